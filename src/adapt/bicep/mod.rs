//! Bicep source (`.bicep`, `.bicepparam`), linted without compiling: a hand-written lexer and
//! parser (`lexer`, `syntax`), and an evaluator (`eval`) that produces the resource model the
//! ARM path produces for the compiled template, so the `arm` policies run unchanged.

pub mod eval;
pub mod lexer;
pub mod load;
pub mod syntax;
