"""The engine every provider shares: runs, concurrent fetching, STATE and tombstones."""
