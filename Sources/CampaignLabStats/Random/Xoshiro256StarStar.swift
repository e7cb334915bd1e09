// xoshiro256** 1.0 — David Blackman and Sebastiano Vigna, "Scrambled Linear Pseudorandom
// Number Generators", ACM Transactions on Mathematical Software 47(4), 2021
// (reference C code: https://prng.di.unimi.it/xoshiro256starstar.c).
// The 256-bit state is filled from a 64-bit seed with SplitMix64 (Guy Steele, Doug Lea and
// Christine Flood, "Fast Splittable Pseudorandom Number Generators", OOPSLA 2014;
// reference C code: https://prng.di.unimi.it/splitmix64.c), as Vigna recommends.

/// SplitMix64: a tiny 64-bit generator, used here to expand seeds into xoshiro states.
///
/// Every output is a bijective mix of a Weyl sequence (state += 0x9E3779B97F4A7C15), so
/// distinct seeds give distinct, well-mixed sequences.
///
/// ```swift
/// var mixer = SplitMix64(seed: 0)
/// mixer.next()  // 0xE220A8397B1DCDAF
/// ```
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The Weyl-sequence state.
    public var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 output function: a bijection of 64-bit words with good avalanche.
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A seeded, reproducible random number generator: xoshiro256** (Blackman & Vigna).
///
/// Fast (a few shifts and multiplies per 64-bit output), a period of 2²⁵⁶ − 1, and no known
/// statistical weakness in the output (it passes BigCrush and PractRand). The state is filled
/// from the seed with ``SplitMix64``. Use ``stream(for:)`` to derive independent generators
/// keyed by an identifier (a customer id, a bootstrap replicate), so that results do not
/// depend on the order — or the thread — in which the keys are processed.
///
/// ```swift
/// var rng = Xoshiro256StarStar(seed: 42)
/// let u = rng.uniform()                       // in [0, 1)
/// var customerRNG = rng.stream(for: 1234)     // depends only on (42, 1234)
/// let logins = customerRNG.poisson(mean: 3.7)
/// ```
///
/// Not for cryptography.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// A generator whose state is four successive SplitMix64 outputs from `seed`.
    ///
    /// - Parameter seed: any 64-bit value; equal seeds give equal sequences.
    public init(seed: UInt64) {
        var mixer = SplitMix64(seed: seed)
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
        // SplitMix64 outputs are a bijection of distinct states, so all four cannot be zero.
    }

    /// A generator with the given raw state (for tests against the reference code).
    ///
    /// - Precondition: the state is not all zero (the one state xoshiro cannot leave).
    public init(state: (UInt64, UInt64, UInt64, UInt64)) {
        precondition(state != (0, 0, 0, 0), "xoshiro256** needs a non-zero state")
        (s0, s1, s2, s3) = state
    }

    /// The raw 256-bit state.
    public var state: (UInt64, UInt64, UInt64, UInt64) { (s0, s1, s2, s3) }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// An independent generator for `key`, derived from this generator's current state
    /// without advancing it.
    ///
    /// The derived seed is a SplitMix64 mix of the state and the key, so a generator made
    /// from a seed and never advanced gives streams that depend only on (seed, key):
    /// customer 1234's stream is the same whether it is generated first, last or on
    /// another thread. Different keys give unrelated sequences (their SplitMix64 seeds
    /// differ and are then expanded independently).
    ///
    /// - Parameter key: the stream's identifier, e.g. a customer id.
    /// - Returns: a fresh generator.
    /// - Complexity: O(1).
    @inlinable
    public func stream(for key: UInt64) -> Xoshiro256StarStar {
        let base = SplitMix64.mix(s0 ^ rotateLeft(s1, 17) ^ rotateLeft(s2, 31) ^ rotateLeft(s3, 47))
        return Xoshiro256StarStar(seed: base ^ SplitMix64.mix(key &+ 0x6A09_E667_F3BC_C909))
    }
}

@inlinable @inline(__always)
func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }
