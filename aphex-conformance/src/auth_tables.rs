//! (cases to come)

#[doc(hidden)]
#[macro_export]
macro_rules! __auth_tables_cases {
    ($factory:ident) => {
        $crate::__cases!($factory; auth_tables {});
    };
}
