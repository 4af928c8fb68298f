using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Relay.Contracts;

namespace Relay.Providers.Tests;

internal static class TestProvider
{
    public const string Model = "openai/gpt-4o-mini";

    public static ChatRequest Request(string prompt = "hi") => new() { Model = Model, Messages = [ChatMessage.User(prompt)] };

    public static OpenRouterProvider Create(HttpMessageHandler handler, OpenRouterOptions? options = null, TimeProvider? time = null, ILogger<OpenRouterProvider>? logger = null) =>
        new(new HttpClient(handler), Options.Create(options ?? new OpenRouterOptions { BaseUrl = "http://upstream.test/api/v1" }), time, logger);

    public static async Task<List<StreamEvent>> CollectAsync(this ILlmProvider provider, ChatRequest? request = null, CancellationToken cancellationToken = default)
    {
        var events = new List<StreamEvent>();
        await foreach (var e in provider.GenerateStreamAsync(request ?? Request(), cancellationToken))
        {
            events.Add(e);
        }

        return events;
    }

    public static string Describe(IEnumerable<StreamEvent> events) => string.Join(" | ", events.Select(e => e switch
    {
        StartEvent s => $"start {s.Model} {s.Provider}",
        DeltaEvent d => $"delta {d.Text}",
        ReasoningEvent r => $"reasoning {r.Text}",
        ToolCallEvent t => $"tool {t.Index} {t.ToolCallId} {t.Name} {t.Arguments}",
        UsageEvent u => $"usage {u.Usage.PromptTokens}/{u.Usage.CompletionTokens}",
        DoneEvent x => $"done {x.FinishReason}",
        ErrorEvent x => $"error {x.Error.WireName}",
        _ => e.WireName,
    }));
}
