namespace Relay.Simulator;

/// <summary>What the simulator has served, as at <c>GET /sim/stats</c>.</summary>
/// <param name="Requests">Chat requests received.</param>
/// <param name="ActiveStreams">Answers being generated now.</param>
/// <param name="Completed">Answers sent to their end.</param>
/// <param name="AbortedByClient">Answers whose client went away first.</param>
/// <param name="Aborts">Each abort, in order.</param>
public sealed record SimulatorStats(long Requests, long ActiveStreams, long Completed, long AbortedByClient, IReadOnlyList<SimulatorAbort> Aborts);
