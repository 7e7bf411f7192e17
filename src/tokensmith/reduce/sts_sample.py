"""A small built-in STS sample (written for tokensmith, scores 0-5 by its author), for `tokensmith reduce eval`
without `--data`. Twenty pairs are far too few for a real comparison: use the STS-B dev files for that."""

from __future__ import annotations

from tokensmith.reduce.sts import Pair

SAMPLE: tuple[Pair, ...] = tuple(Pair(a, b, s) for a, b, s in (
    ("A man is playing a guitar on the stage.", "A musician plays guitar in front of an audience.", 4.2),
    ("A woman is slicing an onion.", "Someone is cutting an onion with a knife.", 4.6),
    ("Two dogs are running across a snowy field.", "Dogs run through the snow.", 4.4),
    ("The stock market fell sharply on Monday.", "A child is eating an ice cream.", 0.0),
    ("A boy rides a bicycle down the hill.", "A boy is riding a bike.", 4.0),
    ("The chef is preparing a large pot of soup.", "A cook makes soup in the kitchen.", 4.1),
    ("The train arrived at the station late.", "The train was delayed.", 3.4),
    ("A cat is sleeping on the sofa.", "A dog is barking at the mailman.", 0.6),
    ("The government announced new tax rules.", "New tax regulations were announced by officials.", 4.5),
    ("A girl is painting a picture of a tree.", "A girl is drawing.", 3.0),
    ("Heavy rain caused flooding in the city.", "The city flooded after a storm.", 4.0),
    ("He is reading a newspaper at breakfast.", "She is swimming in the lake.", 0.2),
    ("The team won the championship last night.", "Last night the team lost the final.", 1.8),
    ("A man is slicing bread.", "A man is cutting a loaf of bread.", 4.8),
    ("Scientists discovered a new species of frog.", "A new frog species was found by researchers.", 4.9),
    ("The children are playing football in the park.", "Kids play soccer outside.", 4.3),
    ("A plane is taking off.", "An airplane departs from the runway.", 4.5),
    ("The museum is closed on Mondays.", "The museum opens every day.", 1.2),
    ("A woman is riding a horse on the beach.", "A person rides a horse.", 3.2),
    ("The phone battery died during the call.", "Bananas are a good source of potassium.", 0.0),
))  # fmt: skip
