"""Operations: backing up and restoring the database and the uploaded files."""
