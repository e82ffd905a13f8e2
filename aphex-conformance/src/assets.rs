//! (cases to come)

#[doc(hidden)]
#[macro_export]
macro_rules! __assets_cases {
    ($factory:ident) => {
        $crate::__cases!($factory; assets {});
    };
}
