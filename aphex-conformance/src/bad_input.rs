//! (cases to come)

#[doc(hidden)]
#[macro_export]
macro_rules! __bad_input_cases {
    ($factory:ident) => {
        $crate::__cases!($factory; bad_input {});
    };
}
