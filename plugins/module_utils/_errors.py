# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's exceptions, under one root, standard library only. module_utils raise them
and never exit; the module base turns them into fail_json. Private.

    AdremedyError                    the root: what the collection raises on purpose
    +-- DirectoryError               an object could not be read, decoded or written
    |   +-- LdapError                one LDAP failure in one line (code, name, dn)
    |   |   +-- LostAnswerConflict   a lost answer, and another writer changed the object
    |   |   +-- IdentityError        identities unknown, ambiguous or malformed
    |   +-- SecurityDescriptorError  a descriptor or SID the codec cannot read or write
    +-- Failure                      a run that ends, not on LDAP (input, max_changes, journal)
    +-- DnError                      a DN that cannot be parsed
    +-- KerberosError                a Kerberos setting or failure
    +-- SaslError                    a bind that could not be made or protected
    |   +-- BindRefused              the DC refused the bind
    +-- JournalError                 a journal that cannot be written or is not trusted

The errors of a value (DnError, SecurityDescriptorError, JournalError) are ValueErrors too, as
they were before they had a root. Subclasses that carry one file's detail (AclTooLargeError in
_security/_codec, WrittenError in _run/_dacl_changes) stay in that file."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence


class AdremedyError(Exception):
    """The root of every exception the collection raises on purpose."""


class DirectoryError(AdremedyError):
    """An object could not be read, decoded or written: the LDAP operation failed (LdapError)
    or its security descriptor cannot be read or written (SecurityDescriptorError). What code
    catches to fail one object and go on with the next."""


class LdapError(DirectoryError):
    """One line a person can act on: what was done, to which object, and the LDAP result."""

    def __init__(self, message: str, code: int | None = None, name: str | None = None,
                 dn: str | None = None) -> None:
        super(LdapError, self).__init__(message)
        self.code = code
        self.name = name
        self.dn = dn

    @classmethod
    def no_such_object(cls, dn: str, what: str = "") -> LdapError:
        """The one line for a named object that does not exist: "<what> <dn> does not exist:
        noSuchObject (32)"."""
        named = "%s %s" % (what, dn) if what else dn
        return cls("%s does not exist: noSuchObject (32)" % named, code=32, name="noSuchObject",
                   dn=dn)


class LostAnswerConflict(LdapError):
    """The answer to a write was lost with the connection, and the object read back is neither
    as the write would leave it nor as it was before: another writer changed it. Nothing was
    resent; entry is the object as read back (_ldap/_transport's Entry; the caller may plan it
    again)."""

    def __init__(self, message: str, entry: Any = None, code: int | None = None,
                 name: str | None = None, dn: str | None = None) -> None:
        super(LostAnswerConflict, self).__init__(message, code=code, name=name, dn=dn)
        self.entry = entry


class IdentityError(LdapError):
    """Unknown, ambiguous or malformed identities: one line naming each of them."""

    def __init__(self, message: str, unknown: Sequence[str] = (),
                 ambiguous: Optional[Dict[str, List[str]]] = None, code: Optional[int] = None,
                 name: Optional[str] = None) -> None:
        super().__init__(message, code=32 if unknown else code,
                         name="noSuchObject" if unknown else name,
                         dn=next(iter(list(unknown) + list(ambiguous or {})), None))
        self.unknown = list(unknown)
        self.ambiguous = dict(ambiguous or {})


class SecurityDescriptorError(DirectoryError, ValueError):
    """A blob that is not a valid self-relative security descriptor or SID, or a descriptor that
    cannot be encoded (an ACL over 64 KiB). `dn` names the object whose descriptor it is, where
    the code that raised it knew (the module base puts it in the one-line message)."""

    dn: Optional[str] = None

    def about(self, dn: Optional[str]) -> SecurityDescriptorError:
        """This error, naming the object (the first name given stays)."""
        if self.dn is None:
            self.dn = dn
        return self


class Failure(AdremedyError):
    """A one-line message and the result keys to return with it (e.g. the plan): a run that
    ends for a reason other than LDAP (bad input, a plan over max_changes, an unwritable
    journal)."""

    def __init__(self, message: str, **result: Any) -> None:
        super().__init__(message)
        self.result = result


class DnError(AdremedyError, ValueError):
    """A DN that cannot be parsed; the message names it and says what is wrong."""

    def __init__(self, text: str, why: str) -> None:
        super().__init__("%r is not a valid distinguished name (%s)" % (text, why))
        self.dn = text
        self.why = why


class KerberosError(AdremedyError):
    """A Kerberos setting or failure, in one line."""


class SaslError(AdremedyError):
    """A bind that could not be made or protected, in one line."""


class BindRefused(SaslError):
    """The DC refused the bind: result is its LDAP result (code, description, message)."""

    def __init__(self, result: dict) -> None:
        super(BindRefused, self).__init__(result.get("description") or "bind refused")
        self.result = result


class JournalError(AdremedyError, ValueError):
    """A journal that cannot be written or is not trusted: one line naming the file."""
