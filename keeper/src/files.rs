//! Content-addressed, write-once files (published records, models and photos).

use std::path::Path;

/// Writes `bytes` at `path` unless a file is already there (its name is its content's hash, so
/// it never changes). Staged as `<path>.tmp` and renamed, so a reader or a sync never sees half a
/// file.
pub fn write_once(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut staged = path.as_os_str().to_owned();
    staged.push(".tmp");
    std::fs::write(&staged, bytes)?;
    std::fs::rename(&staged, path)
}
