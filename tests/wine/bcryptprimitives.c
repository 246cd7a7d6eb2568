/*
 * Wine 8 has no bcryptprimitives.dll, whose ProcessPrng Rust's standard library imports on
 * Windows; without it every Rust program fails to start (STATUS_DLL_NOT_FOUND). This stand-in,
 * built by the Wine test into its own prefix only, fills the buffer from RtlGenRandom
 * (advapi32's SystemFunction036). Real Windows has the genuine DLL; it is never shipped.
 *
 * x86_64-w64-mingw32-gcc -O2 -shared -s -Wl,--kill-at -o bcryptprimitives.dll bcryptprimitives.c -ladvapi32
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
