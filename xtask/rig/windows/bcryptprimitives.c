/* Test-rig stand-in for Windows' bcryptprimitives.dll, which Wine 8 lacks and Rust's std
 * (1.78+) imports for its randomness (ProcessPrng). Real Windows 10+ has the DLL; keyhop never
 * ships this. ProcessPrng forwards to advapi32's SystemFunction036 (RtlGenRandom), which Wine
 * has. Built by `cargo xtask test` with MinGW into the test WINEPREFIX's system32. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
