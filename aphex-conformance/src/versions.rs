//! (cases to come)

#[doc(hidden)]
#[macro_export]
macro_rules! __versions_cases {
    ($factory:ident) => {
        $crate::__cases!($factory; versions {});
    };
}
