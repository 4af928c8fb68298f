using System.Globalization;
using System.Text;
using System.Text.Json;
using Relay.Contracts;

namespace Relay.Cli;

/// <summary>
/// <c>relay log</c>: the newest exchanges of the conversation log, oldest first, with their exchange and conversation ids
/// and titles (<c>-n</c>, <c>--cid</c>, <c>-q WORDS</c> to search prompts and answers, <c>--json</c> for one object per
/// line); <c>--show ID</c> prints one answer, <c>--export ID</c> its conversation as Markdown, <c>--delete ID</c> removes it.
/// </summary>
internal sealed class LogCommand(CliConsole console, LogLocation logLocation)
{
    private const int TitleColumns = 48;

    public async Task<int> RunAsync(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!logLocation.Enabled)
        {
            await console.Error.WriteLineAsync("error: the conversation log is off (RELAY_LOG)");
            return ExitCodes.Error;
        }

        using var log = ConversationLog.Open(logLocation, console.Error);
        if (log is null)
        {
            return ExitCodes.Error;
        }

        var one = request.Show ?? request.Export ?? request.Delete;
        var exchange = one is { } id ? log.Get(id) : null;
        if (one is not null && exchange is null)
        {
            await console.Error.WriteLineAsync($"error: there is no exchange {one} in the log (relay log lists them)");
            return ExitCodes.Error;
        }

        if (request.Delete is not null)
        {
            log.Delete(exchange!.Id);
            await console.Error.WriteLineAsync($"deleted exchange {exchange.Id}");
            return ExitCodes.Success;
        }

        if (request.Export is not null)
        {
            await console.Out.WriteAsync(ExchangeMarkdown.Conversation(log.Conversation(exchange!.ConversationId)));
            return ExitCodes.Success;
        }

        if (exchange is not null)
        {
            await console.Out.WriteAsync(exchange.Answer);
            if (!exchange.Answer.EndsWith('\n'))
            {
                await console.Out.WriteLineAsync();
            }

            return ExitCodes.Success;
        }

        var rows = request.Query is { } query ? log.Search(query, request.Count, request.ConversationId) : log.Recent(request.Count, request.ConversationId);
        foreach (var e in rows)
        {
            await console.Out.WriteLineAsync(request.Json ? Json(e) : Line(e));
        }

        return ExitCodes.Success;
    }

    private static string Line(Exchange e)
    {
        var title = e.Title.Length <= TitleColumns ? e.Title : e.Title[..(TitleColumns - 1)] + "…";
        var tokens = e.CompletionTokens is { } n ? string.Create(CultureInfo.InvariantCulture, $"{n} tok") : "-";
        return string.Create(CultureInfo.InvariantCulture, $"{e.Id,5}  {e.CreatedAt.ToLocalTime():yyyy-MM-dd HH:mm}  {e.ConversationId}  {e.Model ?? "-"}  {e.Status}  {tokens}  {title}");
    }

    private static string Json(Exchange e)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, StreamEventSerializer.WriterOptions))
        {
            JsonSerializer.Serialize(w, e, CliJsonContext.Default.Exchange);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>What <c>relay log</c> was asked: at most one of Show, Export and Delete; else a list (searched with Query).</summary>
    internal sealed record Request(int Count, string? ConversationId, bool Json, string? Query, long? Show, long? Export, long? Delete);
}
