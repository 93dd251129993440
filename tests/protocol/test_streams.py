import asyncio

from cloudtwin.protocol.streams import PieceStream


class Pieces(PieceStream):
    def __init__(self, pieces):
        super().__init__()
        self._pieces_left = list(pieces)
        self.pulls = 0

    async def _pull(self):
        self.pulls += 1
        return self._pieces_left.pop(0) if self._pieces_left else None


def test_sized_reads_cross_piece_boundaries_then_end_with_empty_bytes():
    async def run():
        stream = Pieces([b"abc", b"", b"defg", b"h"])
        return [await stream.read(2), await stream.read(4), await stream.read(), await stream.read(5)]

    assert asyncio.run(run()) == [b"ab", b"cdef", b"gh", b""]


def test_iteration_yields_what_a_read_left_buffered_first_and_stops_pulling_at_the_end():
    async def run():
        stream = Pieces([b"abcd", b"ef", b"g"])
        head = await stream.read(1)
        rest = [piece async for piece in stream]
        again = [piece async for piece in stream]
        return head, rest, again, stream.pulls

    head, rest, again, pulls = asyncio.run(run())
    assert (head, rest, again) == (b"a", [b"bcd", b"ef", b"g"], [])
    assert pulls == 4  # three pieces and the one that said the body is over
