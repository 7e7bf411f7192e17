"""A small built-in English text (written for tokensmith), for `tokensmith reduce eval --model smollm2` without
`--data`. It gives a handful of chunks at the default sizes: far too few for a real comparison; use WikiText-2 for
that (`benchmarks/bench_reduce_prefill.py`)."""

from __future__ import annotations

SAMPLE_TEXT = """\
The harbour town woke slowly in winter. Before the sun rose over the hills, the fishing boats had already left,
their lamps moving across the dark water like a line of small stars. The bakers on the main street opened their
doors at six, and the smell of bread drifted down to the quay, where the men who mended nets sat on upturned
crates and talked about the weather, the price of diesel and the new ferry that the council had promised for
years.

By eight the school bus came down the coast road. Children in heavy coats waited at the corner by the chapel, and
the older ones pretended not to notice the younger ones throwing gravel into the puddles. The driver, a patient
woman who had driven the same route for twenty years, knew every family by name and waited for the ones who were
late, which made the bus late too, which nobody minded very much.

The town had a small museum in the old customs house. It held a ship's bell, a collection of letters from sailors
who had gone to sea in the last century, a map of the sandbanks drawn by hand, and a model of the lighthouse made
from matchsticks by a retired teacher. In summer the visitors came in their hundreds; in winter the museum opened
only on Saturdays, and the volunteer who kept the keys used the quiet hours to copy the letters into a notebook,
so that the ink on the originals would not fade any further.

At the end of the pier stood the lighthouse itself. It had been automatic for decades, but the keeper's cottage
beside it was still lived in by the keeper's granddaughter, who repaired radios and sold them at the market. She
said that on clear nights she could count the flashes of three other lighthouses along the coast, each with its
own pattern, and that sailors had once learned those patterns the way children learn the alphabet: one long and
two short meant the northern point, four quick flashes meant the island, and a steady light meant home.

In the afternoon the boats returned. Gulls followed them in, crying over the wake, and the auction in the fish
market began as soon as the first crates were landed. Buyers from the city bid against the owners of the two
restaurants, and the prices were written in chalk on a board that had been painted black so many times that its
surface was as thick as a finger. When the last crate was sold, the floor was washed down with sea water and the
market fell silent until the next morning.

Evening came early. The street lamps were lit at four, and the windows of the houses on the hill turned yellow one
by one. In the pub by the harbour the same six people played dominoes at the same table, as they had every Tuesday
for as long as anyone could remember, and argued, as they always did, about whether the new ferry would ever come.
"""
