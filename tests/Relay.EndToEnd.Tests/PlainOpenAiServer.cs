using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Relay.EndToEnd.Tests;

/// <summary>
/// An OpenAI-compatible server that is not OpenRouter, shaped like Ollama's <c>/v1</c>: <c>GET /v1/models</c> and a streamed
/// <c>POST /v1/chat/completions</c> with none of OpenRouter's extras (no provider, no cost, usage only when
/// <c>stream_options.include_usage</c> asks, then <c>data: [DONE]</c>). It answers each prompt with <see cref="Answer"/>.
/// </summary>
internal sealed class PlainOpenAiServer : IAsyncDisposable
{
    public const string Model = "llama3.2";

    private readonly WebApplication _app;

    private PlainOpenAiServer(WebApplication app) => _app = app;

    /// <summary>The words of the answer to <paramref name="prompt"/>, one chunk each.</summary>
    public static string[] Answer(string prompt) => ["A ", "local ", "model ", "says: ", prompt, "."];

    /// <summary>How many chat requests came, and whether each asked for usage.</summary>
    public List<bool> Requests { get; } = [];

    public static async Task<PlainOpenAiServer> StartAsync(int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new PlainOpenAiServer(app);
        app.MapGet("/v1/models", () => Results.Text($$"""{"object":"list","data":[{"id":"{{Model}}","object":"model","created":1733000000,"owned_by":"library"}]}""", "application/json"));
        app.MapPost("/v1/chat/completions", server.CompleteAsync);
        await app.StartAsync(cancellationToken);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task CompleteAsync(HttpContext context)
    {
        using var request = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var root = request.RootElement;
        var usage = root.TryGetProperty("stream_options", out var options) && options.TryGetProperty("include_usage", out var include) && include.GetBoolean();
        lock (Requests)
        {
            Requests.Add(usage);
        }

        var prompt = root.GetProperty("messages").EnumerateArray().Last().GetProperty("content").GetString()!;
        var model = root.GetProperty("model").GetString();
        context.Response.ContentType = "text/event-stream";
        async Task Send(string data)
        {
            await context.Response.WriteAsync("data: " + data + "\n\n", Encoding.UTF8, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }

        string Chunk(string choices) => $$"""{"id":"chatcmpl-7","object":"chat.completion.chunk","created":1733000000,"model":"{{model}}","system_fingerprint":"fp_ollama","choices":{{choices}}}""";
        var words = Answer(prompt);
        foreach (var word in words)
        {
            await Send(Chunk($$"""[{"index":0,"delta":{"role":"assistant","content":{{JsonSerializer.Serialize(word)}}},"finish_reason":null}]"""));
        }

        await Send(Chunk("""[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"stop"}]"""));
        if (usage)
        {
            var counts = $$"""{"prompt_tokens":11,"completion_tokens":{{words.Length}},"total_tokens":{{11 + words.Length}}}""";
            await Send(Chunk("[]")[..^1] + ",\"usage\":" + counts + "}");
        }

        await Send("[DONE]");
    }
}
