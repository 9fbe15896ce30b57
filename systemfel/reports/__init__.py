"""The annual report on uppmärksammade brister and the statistics behind it."""
