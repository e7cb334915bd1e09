"""Minimal Arrow IPC stream reader (no pyarrow): the shape a Swift decoder needs.
Handles: Schema + RecordBatch messages, types Int(8/16/32/64 signed), FloatingPoint(double/single),
Utf8, Bool, Null, Date(day), Timestamp, Decimal128 (as unscaled int); validity bitmaps; uncompressed bodies."""
import struct, sys

class FB:  # flatbuffer table reader
    def __init__(s, buf, pos):
        s.b, s.pos = buf, pos
        s.vt = pos - struct.unpack_from('<i', buf, pos)[0]      # soffset to vtable
        s.vtlen = struct.unpack_from('<H', buf, s.vt)[0]
    def _off(s, i):           # field i -> absolute position or 0
        o = 4 + 2 * i
        if o >= s.vtlen: return 0
        f = struct.unpack_from('<H', s.b, s.vt + o)[0]
        return s.pos + f if f else 0
    def scalar(s, i, fmt, default=0):
        p = s._off(i); return struct.unpack_from('<' + fmt, s.b, p)[0] if p else default
    def _ind(s, i):           # follow uoffset
        p = s._off(i); return p + struct.unpack_from('<I', s.b, p)[0] if p else 0
    def table(s, i):
        p = s._ind(i); return FB(s.b, p) if p else None
    def string(s, i):
        p = s._ind(i)
        if not p: return None
        n = struct.unpack_from('<I', s.b, p)[0]; return s.b[p + 4:p + 4 + n].decode()
    def vec_tables(s, i):
        p = s._ind(i)
        if not p: return []
        n = struct.unpack_from('<I', s.b, p)[0]
        return [FB(s.b, q + struct.unpack_from('<I', s.b, q)[0]) for q in (p + 4 + 4 * k for k in range(n))]
    def vec_structs(s, i, fmt):   # vector of inline structs
        p = s._ind(i)
        if not p: return []
        n = struct.unpack_from('<I', s.b, p)[0]; sz = struct.calcsize('<' + fmt)
        return [struct.unpack_from('<' + fmt, s.b, p + 4 + k * sz) for k in range(n)]

def root(meta): return FB(meta, struct.unpack_from('<I', meta, 0)[0])

TYPE = {1: 'null', 2: 'int', 3: 'float', 5: 'utf8', 6: 'bool', 7: 'decimal', 8: 'date', 10: 'timestamp'}
NBUF = {'null': 0, 'int': 2, 'float': 2, 'utf8': 3, 'bool': 2, 'decimal': 2, 'date': 2, 'timestamp': 2}

def parse_field(f):
    tt = f.scalar(2, 'B'); t = f.table(3); kind = TYPE.get(tt, f'unsupported:{tt}')
    info = {}
    if kind == 'int': info = dict(bits=t.scalar(0, 'i'), signed=t.scalar(1, '?'))
    if kind == 'float': info = dict(precision=t.scalar(0, 'h'))          # 1=single 2=double
    if kind == 'decimal': info = dict(precision=t.scalar(0, 'i'), scale=t.scalar(1, 'i'), bits=t.scalar(2, 'i', 128))
    if kind == 'date': info = dict(unit=t.scalar(0, 'h'))                # 0=DAY(int32) 1=MILLISECOND(int64)
    if kind == 'timestamp': info = dict(unit=t.scalar(0, 'h'), tz=t.string(1))  # 0=s 1=ms 2=us 3=ns; Spark sends 2 (us), tz=session tz
    return dict(name=f.string(0), nullable=f.scalar(1, '?'), kind=kind, **info)

def messages(data):
    p = 0
    while p + 8 <= len(data):
        cont, = struct.unpack_from('<I', data, p)
        if cont == 0xFFFFFFFF: mlen, = struct.unpack_from('<i', data, p + 4); p += 8
        else: mlen = cont; p += 4                      # legacy (pre-0.15) framing
        if mlen == 0: return                          # end-of-stream marker
        meta = data[p:p + mlen]; p += mlen
        m = root(meta)
        htype, body_len = m.scalar(1, 'B'), m.scalar(3, 'q')
        body = data[p:p + body_len]; p += body_len
        yield htype, m.table(2), body

def read_stream(data):
    schema, rows = None, []
    for htype, h, body in messages(data):
        if htype == 1:
            schema = [parse_field(f) for f in h.vec_tables(1)]
        elif htype == 3:
            n = h.scalar(0, 'q'); nodes = h.vec_structs(1, 'qq'); bufs = h.vec_structs(2, 'qq')
            assert h.table(3) is None, 'compressed body not supported'
            cols, bi = [], 0
            for fi, fld in enumerate(schema):
                length, nulls = nodes[fi]; k = NBUF[fld['kind']]; fb = bufs[bi:bi + k]; bi += k
                def valid(i):
                    if fld['kind'] == 'null': return False
                    off, ln = fb[0]
                    return True if ln == 0 or nulls == 0 else bool(body[off + i // 8] >> (i % 8) & 1)
                vals = []
                for i in range(length):
                    if not valid(i): vals.append(None); continue
                    kind = fld['kind']; off = fb[1][0] if k > 1 else 0
                    if kind == 'int':
                        w = fld['bits'] // 8; vals.append(int.from_bytes(body[off + i*w: off + (i+1)*w], 'little', signed=fld['signed']))
                    elif kind == 'float': vals.append(struct.unpack_from('<d' if fld['precision'] == 2 else '<f', body, off + i * (8 if fld['precision'] == 2 else 4))[0])
                    elif kind == 'utf8':
                        a, b = struct.unpack_from('<ii', body, off + 4 * i); d = fb[2][0]; vals.append(body[d + a:d + b].decode())
                    elif kind == 'bool': vals.append(bool(body[off + i // 8] >> (i % 8) & 1))
                    elif kind == 'decimal': vals.append((int.from_bytes(body[off + 16*i: off + 16*i + 16], 'little', signed=True), fld['scale']))
                    elif kind == 'date': vals.append(struct.unpack_from('<i', body, off + 4 * i)[0])
                    elif kind == 'timestamp': vals.append(struct.unpack_from('<q', body, off + 8 * i)[0])
                cols.append(vals)
            rows += [tuple(c[i] for c in cols) for i in range(n)]
    return schema, rows

if __name__ == '__main__':
    for fn in sys.argv[1:]:
        s, r = read_stream(open(fn, 'rb').read()); print(fn, s); [print('  ', x) for x in r[:5]]
