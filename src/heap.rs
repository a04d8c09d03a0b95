//! Handing freed heap back to the system while the tray idles. glibc keeps freed memory in its
//! arenas (one per thread that allocated: iced's, tokio's workers, the tray's GTK thread) and
//! returns little of it by itself: with 300 sessions a load left ~1.1 MB of an idle tray's
//! anonymous memory freed but held, a menu rebuild as much as the old menu
//! (`cargo xtask bench-tray`).

/// Releases the free pages of every arena. Walks them all: call it after a burst of frees
/// (a load, a menu rebuild, a closed window), not on a hot path.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn trim() {
    // SAFETY: malloc_trim only walks and releases the allocator's own free lists.
    #[allow(unsafe_code)]
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn trim() {}
