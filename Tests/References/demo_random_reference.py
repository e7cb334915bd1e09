"""Reference outputs for Tests/CampaignLabStatsTests/RandomGeneratorTests.swift.

A line-by-line Python transcription of the reference C code of SplitMix64
(https://prng.di.unimi.it/splitmix64.c) and xoshiro256** 1.0
(https://prng.di.unimi.it/xoshiro256starstar.c), Blackman & Vigna.
Run: python3 Tests/References/demo_random_reference.py
"""
M = (1 << 64) - 1

def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & M
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return state, z ^ (z >> 31)

def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M

def xoshiro_next(s):
    result = (rotl((s[1] * 5) & M, 7) * 9) & M
    t = (s[1] << 17) & M
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
    s[3] = rotl(s[3], 45)
    return result

def seeded(seed):
    st, out = seed, []
    for _ in range(4):
        st, z = splitmix64(st)
        out.append(z)
    return out

st = 0
outs = []
for _ in range(3):
    st, z = splitmix64(st)
    outs.append(z)
print("splitmix64(seed 0) first 3:", [hex(x) for x in outs])

s = [1, 2, 3, 4]
print("xoshiro256** state (1,2,3,4) first 5:", [hex(xoshiro_next(s)) for _ in range(5)])

s = seeded(42)
print("xoshiro256** seeded 42 via SplitMix64, first 3:", [hex(xoshiro_next(s)) for _ in range(3)])
