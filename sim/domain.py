"""The fixed vocabulary of the domain: municipalities, forms of work, sexes, disability types, exit reasons.

Codes are small integers so that a population is a handful of numpy arrays; the names are what users
read and write (configs, personnel files, Parquet tables).
"""

from __future__ import annotations

from typing import Final

MUNICIPALITIES: Final = ("Almelo", "Hellendoorn", "Rijssen-Holten", "Tubbergen", "Twenterand", "Wierden")
"""The six municipalities that shared Soweco, spelled as in the domain brief."""

NATIONAL: Final = "Nederland"
"""The single 'municipality' of the national configuration (backcast against national statistics)."""

KNOWN_MUNICIPALITIES: Final = (*MUNICIPALITIES, NATIONAL)

WORK_FORMS: Final = ("beschut_binnen", "groepsdetachering", "individuele_detachering", "begeleid_werken")
"""Forms of work: sheltered inside, group secondment, individual secondment, supported employment."""

BESCHUT, GROEP, INDIVIDUEEL, BEGELEID = range(4)

SEXES: Final = ("M", "V")
"""M: man, V: vrouw (woman). Personnel files may also write F for a woman."""

DISABILITY_TYPES: Final = ("lichamelijk", "verstandelijk", "psychisch", "onbekend")

EXIT_REASONS: Final = ("none", "retirement", "death", "illness", "voluntary")
"""Why somebody left the Wsw; 'none' means still employed at the end of the horizon."""

NO_EXIT, RETIREMENT, DEATH, ILLNESS, VOLUNTARY = range(5)
