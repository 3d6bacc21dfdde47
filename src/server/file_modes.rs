//! Private file modes for the store: the data directory 0700, the database and its WAL/SHM files
//! 0600 (fixed on every open, so a store created by an older build or copied with a wide umask is
//! narrowed), and a warning when the key file can be read by group or others.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The mode of the data directory.
pub const DIR_MODE: u32 = 0o700;
/// The mode of the database, its WAL and shared-memory files.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` when needed and makes it private (0700).
pub fn private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating data directory {}", dir.display()))?;
    set_mode(dir, DIR_MODE)
        .with_context(|| format!("making data directory {} private (0700)", dir.display()))
}

/// The database file and the WAL/SHM files beside it.
pub fn database_files(db: &Path) -> [PathBuf; 3] {
    let with_suffix = |suffix: &str| {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [db.to_path_buf(), with_suffix("-wal"), with_suffix("-shm")]
}

/// Makes the database and its WAL/SHM files (those that exist) private (0600). Another process
/// on the same store may remove the WAL or SHM file at any moment (its last connection closing),
/// so a file that is gone by the time its mode is read or set is not an error.
pub fn private_database_files(db: &Path) -> Result<()> {
    for file in database_files(db) {
        match set_mode(&file, FILE_MODE) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            result => {
                result.with_context(|| format!("making {} private (0600)", file.display()))?
            }
        }
    }
    Ok(())
}

/// A warning when the key file is readable by group or others (`None` when it is private).
pub fn key_file_exposure(key_file: &Path) -> Option<String> {
    let mode = mode_of(key_file)?;
    (mode & 0o077 != 0).then(|| {
        format!(
            "key file {} has mode {:o}: group or others can read the key to every stored value; run `chmod 600 {}`",
            key_file.display(),
            mode & 0o777,
            key_file.display()
        )
    })
}

/// Logs [`key_file_exposure`]'s warning, if any.
pub fn warn_if_key_file_exposed(key_file: &Path) {
    if let Some(warning) = key_file_exposure(key_file) {
        tracing::warn!("{warning}");
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if current == mode {
        return Ok(());
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn mode_of(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|meta| meta.permissions().mode())
}

#[cfg(not(unix))]
fn mode_of(_path: &Path) -> Option<u32> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_wide_directory_and_database_are_narrowed() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("data");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let db = dir.join("x.db");
        std::fs::write(&db, b"").unwrap();
        std::fs::write(dir.join("x.db-wal"), b"").unwrap();
        for file in [&db, &dir.join("x.db-wal")] {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        private_dir(&dir).unwrap();
        private_database_files(&db).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&db), 0o600);
        assert_eq!(mode(&dir.join("x.db-wal")), 0o600);
        assert!(
            !dir.join("x.db-shm").exists(),
            "absent files are not created"
        );
    }

    #[test]
    fn a_key_file_readable_by_others_is_reported_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("secret.key");
        std::fs::write(&key, [7u8; 32]).unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(key_file_exposure(&key), None);
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
        let warning = key_file_exposure(&key).unwrap();
        assert!(
            warning.contains(&key.display().to_string()) && warning.contains("640"),
            "{warning}"
        );
    }
}
