//! Stop what we started when we are interrupted or terminated.
//!
//! std has no signal API; the two libc calls we need are declared here (libc is linked anyway).
//! The handler only forwards the signal (`kill` is async-signal-safe) to the processes and
//! process groups registered in a fixed table; the main thread then sees its child end and
//! unwinds normally, so every `Service` is dropped and stopped.

// The FFI spot of xtask: kill(2) and signal(2).
#![allow(unsafe_code)]

use std::sync::atomic::{AtomicI32, Ordering};

const SIGHUP: i32 = 1;
const SIGINT: i32 = 2;
const SIGTERM: i32 = 15;
pub const SIGKILL: i32 = 9;

unsafe extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
    fn signal(signum: i32, handler: usize) -> usize;
}

/// Registered targets: `pid` for one process, `-pgid` for a whole process group, 0 = free slot.
static TARGETS: [AtomicI32; 16] = [const { AtomicI32::new(0) }; 16];

extern "C" fn forward(sig: i32) {
    for slot in &TARGETS {
        let target = slot.load(Ordering::SeqCst);
        if target != 0 {
            // SAFETY: kill(2) is async-signal-safe and takes plain integers.
            unsafe { kill(target, sig) };
        }
    }
}

/// Installs the forwarding handler for SIGINT, SIGTERM and SIGHUP. A handler (unlike SIG_IGN)
/// is reset to the default in exec'd children, so cargo and the tests keep normal behaviour.
pub fn install() {
    for sig in [SIGINT, SIGTERM, SIGHUP] {
        // SAFETY: `forward` is an `extern "C" fn(i32)` that only does async-signal-safe work.
        unsafe { signal(sig, forward as extern "C" fn(i32) as usize) };
    }
}

/// Sends `sig` to a pid (or to a process group when negative).
pub fn send(target: i32, sig: i32) {
    // SAFETY: plain syscall wrapper with integer arguments.
    unsafe { kill(target, sig) };
}

pub fn sigterm() -> i32 {
    SIGTERM
}

/// While alive, signals received by xtask are forwarded to this target.
pub struct Forward {
    slot: Option<usize>,
}

impl Forward {
    /// Forward to one process.
    pub fn pid(pid: u32) -> Self {
        Self::register(pid.cast_signed())
    }

    /// Forward to every process of the group led by `pgid`.
    pub fn group(pgid: u32) -> Self {
        Self::register(-pgid.cast_signed())
    }

    fn register(target: i32) -> Self {
        let slot = TARGETS.iter().position(|slot| {
            slot.compare_exchange(0, target, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        });
        if slot.is_none() {
            eprintln!("xtask: warning: signal table full; {target} will not get forwarded signals");
        }
        Forward { slot }
    }
}

impl Drop for Forward {
    fn drop(&mut self) {
        if let Some(i) = self.slot {
            TARGETS[i].store(0, Ordering::SeqCst);
        }
    }
}
