using Relay.Contracts;

namespace Relay.Cli;

/// <summary>Remembers the id of the stream being shown: the one asked for, or the one a restart started.</summary>
internal sealed class StreamIdTracker(string? initial)
{
    public string? Current { get; private set; } = initial;

    public async IAsyncEnumerable<StreamEvent> Track(IAsyncEnumerable<StreamEvent> events)
    {
        await foreach (var e in events)
        {
            if (e is StartEvent start)
            {
                Current = start.StreamId;
            }

            yield return e;
        }
    }
}
