namespace Relay.Simulator;

/// <summary>One request aborted by its client.</summary>
/// <param name="AtUtc">When the abort was seen (the request's RequestAborted fired).</param>
/// <param name="NoticedAfterMs">From that moment to the generation loop stopping.</param>
public sealed record SimulatorAbort(DateTimeOffset AtUtc, double NoticedAfterMs);
