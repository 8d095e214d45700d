"""Data contracts: the input contract as data (`spec`) and one pandera model per file kind."""
