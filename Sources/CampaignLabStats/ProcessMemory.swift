#if os(Linux)
/// glibc's `int mallopt(int param, int value)` (declared in malloc.h, which the Glibc module
/// leaves out).
@_silgen_name("mallopt") private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
/// malloc.h's parameter numbers.
private enum MallocParameter {
    static let trimThreshold: Int32 = -1, topPad: Int32 = -2, mmapMax: Int32 = -4, arenaMax: Int32 = -8
}
#endif

/// How the process's allocator treats the large arrays of an analysis.
///
/// An analysis of a million customers allocates and frees arrays of millions of numbers many
/// times (designs, weights, influence functions, a segment's rows). By default glibc maps each
/// large array fresh from the kernel and unmaps it on free, so every one is paid for again in
/// page faults and zeroing: on the 1M demo review, about a fifth of the CPU time. Keeping all
/// memory in one heap that is never trimmed lets each new array reuse pages the process
/// already has: the review's system time halves and its peak memory falls (freed memory is
/// reused rather than mapped anew).
public enum ProcessMemory {
    /// Applies the policy: one arena, no per-array mappings, no trimming below 1 GiB free,
    /// the heap grown 256 MiB at a time. Call once at start-up, before the work (the
    /// command-line tool and the benchmarks do); elsewhere than glibc it does nothing.
    public static func keepFreedMemory() {
        #if os(Linux)
        _ = mallopt(MallocParameter.arenaMax, 1)
        _ = mallopt(MallocParameter.mmapMax, 0)
        _ = mallopt(MallocParameter.trimThreshold, 1 << 30)
        _ = mallopt(MallocParameter.topPad, 256 << 20)
        #endif
    }
}
