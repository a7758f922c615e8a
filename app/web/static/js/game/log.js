// What a client remembers of a game across a reload (sessionStorage): the log lines and
// which definition each instance id it has seen is, so old events still name their cards.

const MAX_LINES = 300;

export class GameLog {
  constructor(gameId, role) {
    this.key = `mantimon.log.${gameId}.${role}`;
    let saved = {};
    try {
      saved = JSON.parse(sessionStorage.getItem(this.key)) || {};
    } catch {
      saved = {};
    }
    this.lines = saved.lines || [];
    this.ids = new Map(Object.entries(saved.ids || {}));
  }

  known(instanceId) {
    return this.ids.get(instanceId) || null;
  }

  add(line) {
    this.lines.push(line);
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
    this.save();
  }

  remember(instanceId, definitionId) {
    if (instanceId && definitionId) this.ids.set(instanceId, definitionId);
  }

  learn(view) {
    const visit = (card) => {
      if (!card || card.hidden) return;
      this.remember(card.instance_id, card.definition_id);
      for (const held of [...(card.attached_energy || []), ...(card.evolved_from || []), card.attached_tool]) {
        if (held) this.remember(held.instance_id, held.definition_id);
      }
    };
    for (const player of view.players) {
      for (const card of [...(player.hand || []), player.active, ...player.bench, ...player.discard]) visit(card);
    }
    if (view.stadium) visit(view.stadium.card);
    for (const [id, def] of Object.entries(view.pending_choice?.cards || {})) this.remember(id, def);
    this.save();
  }

  learnEvent(event) {
    if (event.data?.card && event.data?.definition) this.remember(event.data.card, event.data.definition);
  }

  save() {
    try {
      sessionStorage.setItem(this.key, JSON.stringify({ lines: this.lines, ids: Object.fromEntries(this.ids) }));
    } catch {
      /* storage full: the log still works for this page */
    }
  }
}
