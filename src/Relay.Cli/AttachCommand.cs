using Relay.Contracts;

namespace Relay.Cli;

/// <summary>
/// <c>relay attach [STREAM_ID]</c>: reattaches to an answer that is still at a separate edge: by default the newest one in
/// the log that did not end (its process died, or a signal stopped it). It prints the whole answer from its start
/// (replayed, then live), or with --rest only what follows the last event the dead process recorded as shown; then the
/// usage line, as <c>ask</c> does, with ask's exit codes.
/// </summary>
internal sealed class AttachCommand(CliConsole console, InterruptSignal interrupt, TimeProvider time, LogLocation logLocation)
{
    public async Task<int> RunAsync(string? streamId, bool rest, bool edgeGiven, AskSettings settings, CancellationToken cancellationToken)
    {
        using var log = ConversationLog.Open(logLocation, console.Error);
        var row = streamId is null ? log?.LatestUnfinished() : log?.ByStream(streamId);
        if (streamId is null && row is null)
        {
            await console.Error.WriteLineAsync(log is null
                ? "error: there is no conversation log to find the answer in; give its stream id (relay attach STREAM_ID)"
                : "error: no answer in the log is still streaming; give a stream id (relay attach STREAM_ID) or see relay log");
            return ExitCodes.Error;
        }

        if (row is { EdgeUrl: null })
        {
            await console.Error.WriteLineAsync(
                $"error: exchange {row.Id} was answered by the edge inside its relay process, which ended with it; only answers served by a separate edge (--edge, RELAY_EDGE_URL, relay serve) can be reattached");
            return ExitCodes.Error;
        }

        // The edge: --edge, else the one that served the answer (recorded by us, so a valid URL), else RELAY_EDGE_URL.
        var connection = !edgeGiven && row?.EdgeUrl is { } served ? settings.Connection with { EdgeUrl = new Uri(served) } : settings.Connection;
        if (connection.EdgeUrl is null)
        {
            throw new UsageException("relay attach needs the edge that serves the stream: --edge URL or RELAY_EDGE_URL");
        }

        // The last shown event names its stream, and it is written with every event; the row's stream id goes with the text
        // once a second, so after a restart it can still be the old stream's.
        var id = streamId ?? (StreamIds.TryParseEventId(row!.LastEventId, out var shownStream, out _) ? shownStream : row.StreamId!);
        if (row is not null && !settings.Render.Quiet && streamId is null)
        {
            await console.Error.WriteLineAsync($"relay: attaching to exchange {row.Id} (stream {id}) at {connection.EdgeUrl}");
        }

        await using var edge = await EdgeConnection.OpenAsync(console, connection, time, cancellationToken);
        var answers = new AnswerRunner(console, edge, interrupt, time, log);
        var outcome = await answers.AttachAsync(id, row, rest ? row?.LastEventId : null, settings, cancellationToken);
        return interrupt.TerminationExitCode ?? outcome.ExitCode;
    }
}
