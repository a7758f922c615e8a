// Offered actions in words, and how they are grouped on screen. Pure: `look` names cards.
//   look.card(instanceId) -> name; look.at(instanceId) -> name and place ("Dreamsy (bench 2)");
//   look.def(instanceId) -> card definition or null; look.option(id) -> a choice option in words

function attackOf(action, look, view) {
  const me = view.players[view.viewer ?? view.current_player];
  const definition = me?.active ? look.def(me.active.instance_id) : null;
  return definition?.attacks?.[action.index] || null;
}

export function actionText(action, look, view) {
  const card = action.card ? look.card(action.card) : null;
  const target = action.target ? look.at(action.target) : null;
  switch (action.kind) {
    case "place_active":
      return `Put ${card} in the Front`;
    case "place_bench":
      return `Put ${card} on the bench`;
    case "finish_setup":
      return "Done setting up";
    case "attach_energy":
      return `Attach ${card || "zone energy"} to ${target}`;
    case "play_creature":
      return `Play ${card} to the bench`;
    case "evolve":
      return `Evolve ${target} into ${card}`;
    case "play_trainer":
      return target ? `Attach ${card} to ${target}` : `Play ${card}`;
    case "use_ability": {
      const ability = action.card ? look.def(action.card)?.abilities?.[action.index] : null;
      return `Use ${ability ? ability.name : "ability"} of ${look.at(action.card)}`;
    }
    case "retreat": {
      const paying = action.choice?.length ? `, discarding ${action.choice.map((id) => look.card(id)).join(", ")}` : "";
      return `Retreat: send ${target} to the Front${paying}`;
    }
    case "attack": {
      const attack = attackOf(action, look, view);
      if (!attack) return `Attack ${action.index + 1}`;
      return `Attack: ${attack.name}${attack.damage ? ` (${attack.damage})` : ""}`;
    }
    case "end_turn":
      return "End turn";
    case "choose":
      return action.choice?.length ? `Choose ${action.choice.map((id) => look.option(id)).join(", ")}` : "Choose nothing";
    default:
      return action.kind.replace(/_/g, " ");
  }
}

// Which card an action is "about": the card a player clicks to see it.
export function subjectOf(action) {
  if (action.kind === "evolve" || action.kind === "retreat") return action.target;
  return action.card || action.target || null;
}

const ORDER = ["choose", "place_active", "place_bench", "finish_setup", "attack", "use_ability", "evolve", "attach_energy", "play_creature", "play_trainer", "retreat", "end_turn"];

export function sortActions(actions) {
  return actions
    .map((action, i) => ({ action, i }))
    .sort((a, b) => ORDER.indexOf(a.action.kind) - ORDER.indexOf(b.action.kind) || a.i - b.i)
    .map(({ action, i }) => ({ action, i }));
}
