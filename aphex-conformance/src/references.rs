//! (cases to come)

#[doc(hidden)]
#[macro_export]
macro_rules! __references_cases {
    ($factory:ident) => {
        $crate::__cases!($factory; references {});
    };
}
