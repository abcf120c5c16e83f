//! The parts of xtask that are also used outside its binary: the doc-page importer,
//! which the fuzz target `import_doc` (see `FUZZING.md`) feeds arbitrary text.

pub mod import_doc;
