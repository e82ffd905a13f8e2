//! (cases to come)

#[doc(hidden)]
#[macro_export]
macro_rules! __schema_types_cases {
    ($factory:ident) => {
        $crate::__cases!($factory; schema_types {});
    };
}
