"""``mantimon cards``: check the bundled catalog, look a card up, search like the deck builder."""

from __future__ import annotations

from pathlib import Path

import typer
from pydantic import ValidationError
from rich.table import Table

from app.catalog.card_service import CardSearchFilters, CardService
from app.catalog.design import DEFAULT_TARGETS, DesignTargets, check_catalog
from app.catalog.originality import DEFAULT_FORBIDDEN, ForbiddenList, check_originality
from app.cli._support import command, fail, out, print_table, settings
from app.core.cards import (
    CARD_DEFINITION_ADAPTER,
    CardDefinition,
    CardType,
    CreatureCard,
    EnergyCard,
    EnergyType,
    Rarity,
    Stage,
    TrainerSubtype,
)

app = typer.Typer(
    help="Validate, show and search the card catalog.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

CardsDir = typer.Option(None, "--dir", help="Catalog folder (default: CARDS_DIR).")


def _load(directory: Path | None) -> CardService:
    return CardService.load(directory or settings().cards_dir)


def _summary(card: CardDefinition) -> str:
    if isinstance(card, CreatureCard):
        return f"{card.stage} {card.element} {card.hp} HP"
    if isinstance(card, EnergyCard):
        return f"{card.energy_kind} {card.energy_type} energy"
    return f"{card.trainer_subtype} trainer"


@app.command()
@command
def validate(
    directory: Path | None = CardsDir,
    design: bool = typer.Option(
        True,
        "--design/--no-design",
        help="Also check the design targets and the originality list (data/design).",
    ),
    targets: Path = typer.Option(DEFAULT_TARGETS, "--targets", help="Design targets file."),
    forbidden: Path = typer.Option(
        DEFAULT_FORBIDDEN, "--forbidden", help="Published names and sentences file."
    ),
) -> None:
    """Load the whole catalog and report every problem (exit code 1 if there is any).

    Beyond what loading refuses, every card is checked against the design
    targets (HP and damage bands, caps, type chart, cost shape, rules text,
    rarity, reprints, print order...; README "The catalog: cards as data" lists
    them) and the list of published names and sentences; each finding names the
    card, the check and the numbers.
    """
    catalog = _load(directory)
    sets = ", ".join(f"{info.id} ({info.card_count})" for info in catalog.sets)
    if design:
        try:
            findings = check_catalog(catalog.all_cards(), DesignTargets.load(targets))
            findings += check_originality(catalog.all_cards(), ForbiddenList.load(forbidden))
        except (OSError, ValidationError) as exc:
            fail(f"cannot read the design files: {exc}")
        for finding in findings:
            out.print(str(finding), markup=False)
        if findings:
            fail(f"{len(findings)} design finding(s) in {len(catalog)} cards")
    checked = "; design targets and originality OK" if design else ""
    out.print(f"catalog OK: {len(catalog)} cards in {len(catalog.sets)} sets: {sets}{checked}")


@app.command()
@command
def show(
    card_id: str = typer.Argument(..., help="Card id, e.g. 'mv1-001'."),
    directory: Path | None = CardsDir,
) -> None:
    """Print one card as JSON."""
    card = _load(directory).get_card(card_id)
    out.print_json(CARD_DEFINITION_ADAPTER.dump_json(card).decode())


@app.command()
@command
def search(
    card_type: CardType | None = typer.Option(None, "--type", help="creature, trainer or energy."),
    set_id: str | None = typer.Option(None, "--set", help="Set id."),
    rarity: Rarity | None = typer.Option(None, "--rarity"),
    element: EnergyType | None = typer.Option(None, "--element"),
    stage: Stage | None = typer.Option(None, "--stage"),
    trainer_subtype: TrainerSubtype | None = typer.Option(None, "--trainer-subtype"),
    hp_min: int | None = typer.Option(None, "--hp-min"),
    hp_max: int | None = typer.Option(None, "--hp-max"),
    name: str | None = typer.Option(None, "--name", help="Case-insensitive part of the name."),
    limit: int = typer.Option(50, "--limit"),
    offset: int = typer.Option(0, "--offset"),
    as_json: bool = typer.Option(False, "--json", help="Print the page as JSON."),
    directory: Path | None = CardsDir,
) -> None:
    """Search cards with the deck builder's filters (all must match)."""
    try:
        filters = CardSearchFilters(
            card_type=card_type,
            set_id=set_id,
            rarity=rarity,
            element=element,
            stage=stage,
            trainer_subtype=trainer_subtype,
            hp_min=hp_min,
            hp_max=hp_max,
            name_contains=name,
            limit=limit,
            offset=offset,
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"--{'-'.join(str(p) for p in e['loc']).replace('_', '-') or 'filters'}: {e['msg']}"
            for e in exc.errors()
        )
        fail(f"invalid search: {problems}")
    catalog = _load(directory)
    if set_id is not None:
        catalog.get_set(set_id)  # a typo in --set is an error, as in the API, not an empty page
    page = catalog.search_cards(filters)
    if as_json:
        out.print_json(page.model_dump_json())
        return
    table = Table("id", "name", "type", "details", "rarity", box=None, pad_edge=False)
    for card in page.items:
        table.add_row(card.id, card.name, card.card_type, _summary(card), card.rarity)
    print_table(table)
    shown = f"{page.offset + 1}-{page.offset + len(page.items)}" if page.items else "none"
    out.print(f"{page.total} match(es); showing {shown}")
