//! Windows: keyhop.exe is a GUI-subsystem program (the tray flashes no console), so a command
//! typed in a shell attaches to that shell's console to print. `AttachConsole` points all three
//! standard handles at the console, also the ones the parent redirected: `keyhop.exe export >
//! f.ps1`, or the AWS CLI reading `credential-process` through a pipe, would find their output
//! on the console instead. So a handle the process was started with is put back.

/// What a standard handle was when the process started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inherited {
    /// Null or invalid: a GUI program started from Explorer, a shortcut or autostart.
    Nothing,
    /// A file, a pipe, or a character device that is not a console (`NUL`).
    Redirected,
    /// A console handle.
    Console,
}

/// Whether the handle stays after attaching: a redirection is the caller's choice.
pub fn keeps(inherited: Inherited) -> bool {
    inherited == Inherited::Redirected
}

/// Attaching is for handles that have nowhere to go.
pub fn needs_console(handles: &[Inherited]) -> bool {
    !handles.iter().all(|h| keeps(*h))
}

#[cfg(windows)]
pub fn attach_parent() {
    use windows_sys::Win32::System::Console::{
        ATTACH_PARENT_PROCESS, AttachConsole, GetStdHandle, STD_ERROR_HANDLE, STD_INPUT_HANDLE, STD_OUTPUT_HANDLE,
        SetStdHandle,
    };
    let ids = [STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE];
    // SAFETY: plain Win32 calls on the process's own standard handles, first thing in main.
    #[allow(unsafe_code)]
    unsafe {
        let before = ids.map(|id| {
            let handle = GetStdHandle(id);
            (id, handle, classify(handle))
        });
        if !needs_console(&before.map(|(_, _, kind)| kind)) {
            return;
        }
        // Fails harmlessly when the parent has no console (Explorer, autostart).
        if AttachConsole(ATTACH_PARENT_PROCESS) == 0 {
            return;
        }
        for (id, handle, kind) in before {
            if keeps(kind) {
                SetStdHandle(id, handle);
            }
        }
    }
}

/// A console program that keyhop starts (`exec`'s command, an `mfa_process` command, a
/// `BROWSER`) shares keyhop's console; when keyhop has none (the tray started from Explorer, a
/// command whose output all goes to pipes or files), Windows would open a console window of its
/// own for it, over the user's work and taking the focus. Its output goes where keyhop's goes
/// either way: the standard handles are inherited.
#[cfg(windows)]
pub fn no_window_without_console(cmd: &mut std::process::Command) {
    use std::os::windows::process::CommandExt;
    use windows_sys::Win32::System::Console::GetConsoleWindow;
    /// `CREATE_NO_WINDOW` of the process creation flags.
    const CREATE_NO_WINDOW: u32 = 0x0800_0000;
    // SAFETY: no arguments; it only asks whether this process has a console window.
    #[allow(unsafe_code)]
    let windowless = unsafe { GetConsoleWindow() }.is_null();
    if windowless {
        cmd.creation_flags(CREATE_NO_WINDOW);
    }
}

#[cfg(windows)]
#[allow(unsafe_code)]
unsafe fn classify(handle: windows_sys::Win32::Foundation::HANDLE) -> Inherited {
    use windows_sys::Win32::Foundation::INVALID_HANDLE_VALUE;
    use windows_sys::Win32::Storage::FileSystem::{FILE_TYPE_CHAR, FILE_TYPE_DISK, FILE_TYPE_PIPE, GetFileType};
    use windows_sys::Win32::System::Console::GetConsoleMode;
    if handle.is_null() || handle == INVALID_HANDLE_VALUE {
        return Inherited::Nothing;
    }
    // SAFETY: `handle` is a non-null standard handle of this process.
    match unsafe { GetFileType(handle) } {
        FILE_TYPE_DISK | FILE_TYPE_PIPE => Inherited::Redirected,
        FILE_TYPE_CHAR => {
            let mut mode = 0;
            // SAFETY: as above; `mode` is a valid out pointer.
            if unsafe { GetConsoleMode(handle, &raw mut mode) } != 0 {
                Inherited::Console
            } else {
                Inherited::Redirected
            }
        }
        _ => Inherited::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::Inherited::{Console, Nothing, Redirected};
    use super::*;

    #[test]
    fn a_redirected_handle_is_kept_and_the_others_go_to_the_console() {
        assert!(keeps(Redirected));
        assert!(!keeps(Nothing));
        assert!(!keeps(Console));
    }

    #[test]
    fn the_console_is_attached_only_when_a_handle_has_nowhere_to_go() {
        // `keyhop.exe credential-process` under the AWS CLI: all three piped.
        assert!(!needs_console(&[Redirected, Redirected, Redirected]));
        // `keyhop.exe session list > out.txt` in cmd: stderr and stdin still need it.
        assert!(needs_console(&[Nothing, Redirected, Nothing]));
        assert!(needs_console(&[Nothing, Nothing, Nothing]));
    }
}
