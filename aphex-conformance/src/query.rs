//! (cases to come)

#[doc(hidden)]
#[macro_export]
macro_rules! __query_cases {
    ($factory:ident) => {
        $crate::__cases!($factory; query {});
    };
}
