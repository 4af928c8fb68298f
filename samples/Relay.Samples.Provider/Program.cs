using Microsoft.Extensions.DependencyInjection;
using Relay.Contracts;
using Relay.Providers;

var key = Environment.GetEnvironmentVariable("OPENROUTER_API_KEY");
var request = new ChatRequest { Model = "openai/gpt-4o-mini", Messages = [ChatMessage.User("Write a haiku")] };
var ct = CancellationToken.None;

var services = new ServiceCollection();
services.AddOpenRouterProvider(o => { o.ApiKey = key; });          // typed HttpClient, validated options
using var sp = services.BuildServiceProvider();
ILlmProvider provider = sp.GetRequiredService<ILlmProvider>();
await foreach (StreamEvent e in provider.GenerateStreamAsync(request, ct))
{
    // StartEvent once the first chunk came, then DeltaEvent/ReasoningEvent/ToolCallEvent,
    // at most one UsageEvent, then exactly one DoneEvent or ErrorEvent. Failures are events,
    // never exceptions; cancelling ct aborts the upstream request and ends the sequence.
    if (e is DeltaEvent d)
    {
        Console.Write(d.Text);
    }
}

ChatResult whole = await provider.GenerateAsync(request, ct);     // same text, throws StreamErrorException
Console.WriteLine(whole.Usage?.CompletionTokens);
