# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module base every module of the collection is built on: the connection options (and,
for modules that select objects, the selection options) merged with the module's own, with
their rules; ldap3 required; the connection settings built once; `with module.client() as
client:` for a bound connection that is always closed; `module.selection(client)`, the objects
the module works on (_run/_selection), resolved once in the same order for every module; and
the one place where an LdapError, a Failure, a ValueError (a pure engine's message for the
user) or a codec error (SecurityDescriptorError) becomes fail_json. Private."""

from __future__ import annotations

import traceback
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.adremedy.directory.plugins.module_utils._exchange._organization import (
    require_exchange_schema)
# ArgumentSpec is given to modules from here with the base: a module imports the base and its
# concern's module_util, nothing else
from ansible_collections.adremedy.directory.plugins.module_utils._run._argspec import ArgumentSpec
from ansible_collections.adremedy.directory.plugins.module_utils._run._selection import Selection
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_list
from ansible_collections.adremedy.directory.plugins.module_utils._errors import (
    Failure, LdapError, SecurityDescriptorError, DirectoryError)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._options import (
    connection_argument_spec, selection_argument_spec)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._settings import (
    connection_settings, global_catalog_settings)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    LDAP3_IMPORT_ERROR, LdapClient)


def codec_message(exc: SecurityDescriptorError) -> str:
    """One line for a codec error: the object it is about (when the code that raised it knew),
    and what is wrong with its security descriptor."""
    text = " ".join(str(exc).split())
    if exc.dn and exc.dn not in text:
        return "%s: its security descriptor: %s" % (exc.dn, text)
    return "security descriptor error: %s" % text


def connection_spec() -> ArgumentSpec:
    """Server, TLS, authentication, timeouts, page size (doc fragment `connection`)."""
    return ArgumentSpec(connection_argument_spec())


def selection_spec(required: bool = True) -> ArgumentSpec:
    """A DN list, or search_base + scope + filter; exactly one of the two (fragment
    `selection`). Read-only modules (required=False) may give neither: their Selection
    (whole_domain=True) then selects the whole domain (fragment `selection.WHOLE_DOMAIN`)."""
    return ArgumentSpec(selection_argument_spec(),
                        mutually_exclusive=[("dn", "search_base")],
                        required_one_of=[("dn", "search_base")] if required else [],
                        checks=[dn_lists_check("dn")])


def dn_list_options(**options: dict[str, Any]) -> ArgumentSpec:
    """Options whose value is a list of DNs (or of users, which may be DNs). They are typed
    `raw`, because Ansible's `list` type splits a string at commas and every DN has commas (an
    AWX survey delivers `OU=Break Glass,OU=Staff,DC=example,DC=com` as one string): one string
    is ONE DN, a string with line breaks one per line, a list one per item (_dn.dn_list).
    Document them as `type: raw`. A ValueError of dn_list (a list item that is no string)
    reaches the user as every ValueError does (AdremedyModule.failing)."""
    return ArgumentSpec(dict((name, dict(option, type="raw")) for name, option in options.items()),
                        checks=[dn_lists_check(*options)])


def dn_lists_check(*names: str) -> Callable[[dict[str, Any]], None]:
    """The check that turns each named option into a list of strings (None stays None)."""
    def check(params: dict[str, Any]) -> None:
        for name in names:
            if params.get(name) is not None:
                params[name] = dn_list(params[name], name)  # the parsing of the option's type
    return check


class AdremedyModule(AnsibleModule):
    """AnsibleModule with the collection's connection options, their client and its errors.

    module_utils raise (LdapError, Failure, ValueError); this class is the only place that
    turns them into fail_json, with the traceback as `exception` for -vvv.
    """

    def __init__(self, *specs: ArgumentSpec, selection: bool = False, whole_domain: bool = False,
                 identities: bool = False, exclude: str | None = None,
                 exchange_schema: Sequence[str] = (), supports_check_mode: bool = True,
                 **kwargs: Any) -> None:
        """selection adds the selection options; whole_domain (read-only modules) lets them
        be left out, meaning the whole domain; identities: `dn` also takes users as admins
        type them; exclude: the option (a dn_list_options one) naming DNs to leave out, read
        with the selection; exchange_schema: the Exchange classes and attributes the module
        needs, checked when the selection is resolved (_organization.require_exchange_schema)."""
        chosen = (selection_spec(required=not whole_domain),) if selection else ()
        spec = connection_spec().merge(*chosen, *specs)
        super().__init__(supports_check_mode=supports_check_mode, **spec.module_kwargs(),
                         **kwargs)
        self.need_library("ldap3", LDAP3_IMPORT_ERROR)
        with self.failing():
            self.connection = connection_settings(self.params)
            spec.check(self.params)
        self.exchange_schema = list(exchange_schema)
        self._selection = Selection(self.params, whole_domain=whole_domain,
                                    identities=identities, exclude=exclude)

    def need_library(self, name: str, import_error: str | None) -> None:
        """fail_json as Ansible's modules say it when a library this run needs is missing."""
        if import_error is not None:
            self.fail_json(msg=missing_required_lib(name), exception=import_error)

    def selection(self, client: LdapClient) -> Selection:
        """The objects the module works on, resolved against client's DC the first time
        (Selection.resolve: identities, the whole-domain default, DNs, filter, search_base,
        exclude), then the Exchange schema the module needs; the same Selection after. Call it
        inside client(), whose errors apply; module.params stay as the user gave them."""
        if not self._selection.resolved:
            self._selection.resolve(client)
            if self.exchange_schema:
                require_exchange_schema(client, self.exchange_schema)
        return self._selection

    def new_client(self, **settings: Any) -> LdapClient:
        """An LdapClient with the module's connection settings, some replaced (e.g. one
        server), not connected yet: for a module that binds each server in turn."""
        return LdapClient(dict(self.connection, **settings) if settings else self.connection)

    def fail_with(self, exc: Exception, result: dict[str, Any] | None = None) -> None:
        """fail_json for one error: its line as msg, LDAP code and name for an LdapError, the
        keys a Failure carries, and the result so far."""
        result = dict(result or {})
        if isinstance(exc, LdapError):
            result.update(ldap_code=exc.code, ldap_result=exc.name)
        if isinstance(exc, Failure):
            result.update(exc.result)
        message = str(exc)
        if isinstance(exc, SecurityDescriptorError):
            message = codec_message(exc)
        self.fail_json(msg=message, exception=traceback.format_exc(), **result)

    @contextmanager
    def failing(self, partial: Callable[[], dict[str, Any]] | None = None,
                also: tuple[type[Exception], ...] = ()) -> Iterator[None]:
        """Run a block whose LdapError, Failure, ValueError (the pure engines' message for the
        user: the one way it reaches them), SecurityDescriptorError (a descriptor the codec
        cannot read or write; it never escapes as a traceback) or one of `also` ends the module
        with one fail_json. partial() gives the result so far, returned with an LDAP or codec
        error (counts and the objects already written)."""
        for_user: tuple[type[Exception], ...] = (Failure, ValueError) + tuple(also)
        try:
            yield
        except DirectoryError as exc:
            self.fail_with(exc, partial() if partial else None)
        except for_user as exc:
            self.fail_with(exc)

    @contextmanager
    def client(self, partial: Callable[[], dict[str, Any]] | None = None,
               also: tuple[type[Exception], ...] = ()) -> Iterator[LdapClient]:
        """A bound LdapClient, closed when the block ends however it ends; errors as
        failing()."""
        with self.failing(partial, also):
            client = self.new_client().connect()
            try:
                yield client
            finally:
                client.close()

    @contextmanager
    def global_catalog(self) -> Iterator[Callable[[], LdapClient] | None]:
        """None without gc_server; else a function that binds to the Global Catalog the first
        time it is called (single-domain runs never connect) and gives that client again after.
        The client is closed when the block ends. Use inside client(), whose errors apply."""
        if not self.connection.get("gc_server"):
            yield None
            return
        opened: list[LdapClient] = []

        def open_catalog() -> LdapClient:
            if not opened:
                opened.append(LdapClient(global_catalog_settings(self.connection)).connect())
            return opened[0]
        try:
            yield open_catalog
        finally:
            for catalog in opened:
                catalog.close()

    def exit_or_fail(self, result: dict[str, Any], failed: bool = False) -> None:
        """The module's last word: exit_json, or fail_json with the same result."""
        if failed:
            self.fail_json(**result)
        self.exit_json(**result)

    def finish(self, outcome: Any, **extra: Any) -> None:
        """Exit with a bulk run's Outcome: its report, failed when any object failed; in check
        mode its message says what would change."""
        self.exit_or_fail(*outcome.report(self._diff, check_mode=self.check_mode, **extra))
