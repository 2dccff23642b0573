"""Understanding what was asked: text normalisation, the intent taxonomy and its classifier."""
