namespace Relay.Edge.Streams;

/// <summary>What a stream was created with: who may read it, what was asked, and which instance produces it.</summary>
/// <param name="Owner">The token (hashed) that created it; empty when the edge has no tokens.</param>
/// <param name="Fingerprint">The request as canonical JSON without the stream id: a retried POST must match it.</param>
/// <param name="Instance">The id of the edge instance running the upstream request.</param>
public sealed record StreamInfo(string Owner, string Fingerprint, string Instance);
