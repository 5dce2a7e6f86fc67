"""Sign-in through the government's identity system: LDAP, CAS and OpenID Connect."""
