using Relay.Contracts;

namespace Relay.Edge.Streams;

/// <summary>A stream a POST started or attached to.</summary>
/// <param name="Id">The stream id.</param>
/// <param name="Started">Completes with null once the first event is held, or with the error that came before it.</param>
internal readonly record struct StreamStart(string Id, Task<StreamError?> Started);
