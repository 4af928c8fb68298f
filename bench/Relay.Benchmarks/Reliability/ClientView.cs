using Relay.Contracts;

namespace Relay.Benchmarks.Reliability;

/// <summary>
/// What a client finally shows of one answer: its deltas by seq, cleared when the stream restarts (as the CLI clears
/// the old text), with every delta that arrived twice counted, and how it ended.
/// </summary>
internal sealed class ClientView
{
    private readonly SortedDictionary<long, string> _deltas = [];

    /// <summary>Deltas that arrived again with a seq already shown (in the same incarnation of the stream).</summary>
    public int Duplicated { get; private set; }

    /// <summary>Times the client resumed or started over (so a row shows that its fault was felt).</summary>
    public int Recoveries { get; private set; }

    /// <summary>The terminal event, if one came.</summary>
    public StreamEvent? End { get; private set; }

    /// <summary>The text shown at the end.</summary>
    public string Text => string.Concat(_deltas.Values);

    /// <summary>Distinct deltas shown at the end.</summary>
    public int Deltas => _deltas.Count;

    public void Add(StreamEvent e)
    {
        switch (e)
        {
            case RestartedEvent:
                _deltas.Clear();
                break;
            case ReconnectingEvent:
                Recoveries++;
                break;
            case DeltaEvent d when StreamIds.TryParseEventId(d.EventId, out _, out var seq):
                if (!_deltas.TryAdd(seq, d.Text))
                {
                    Duplicated++;
                }

                break;
            case { IsTerminal: true }:
                End = e;
                break;
        }
    }

    public static async Task<ClientView> CollectAsync(IAsyncEnumerable<StreamEvent> events)
    {
        var view = new ClientView();
        await foreach (var e in events)
        {
            view.Add(e);
        }

        return view;
    }

    /// <summary>
    /// Deltas of <paramref name="expected"/> that the client does not show: the shortfall in count, and at least one
    /// when the text differs anyway.
    /// </summary>
    public int Lost(IReadOnlyList<string> expected)
    {
        var missing = Math.Max(0, expected.Count - Deltas);
        return missing == 0 && Text != string.Concat(expected) ? 1 : missing;
    }
}
