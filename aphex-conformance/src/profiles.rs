//! (cases to come)

#[doc(hidden)]
#[macro_export]
macro_rules! __profiles_cases {
    ($factory:ident) => {
        $crate::__cases!($factory; profiles {});
    };
}
