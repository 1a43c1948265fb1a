"""Where passages live: Chroma, the keyword index kept in step with it, the one search filter,
the stored records and the terms both search sides use."""
