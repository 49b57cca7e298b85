//! The marking search (DESIGN.md "Marking search"): "which registered weapons could this be?",
//! from a marking that may be misread, worn, partly obliterated or written in another script.
//!
//! - `normalise`: what was typed, to the form serials are compared in (pure, versioned);
//! - `query`: the query parser (`?`, `*`, readings of Cyrillic);
//! - `confusion`: which characters are confused for which, and the costs;
//! - `matcher`: the weighted edit distance as an automaton over the index;
//! - `index`: the persisted FST index, derived from the registry and rebuildable from it;
//! - `rank`: the score and the explanation of each candidate;
//! - `engine`: all of it over a registry backend.

pub mod confusion;
mod digits_table;
pub mod engine;
pub mod index;
pub mod matcher;
pub mod normalise;
pub mod query;
pub mod rank;

pub use engine::{Filters, Found, Hit, Reach, SearchError, Searcher, index_dir, rebuild};
pub use index::{IndexMeta, SearchIndex};
pub use normalise::{NORMALISER_VERSION, normalise};
pub use query::{Query, QueryError, parse};
