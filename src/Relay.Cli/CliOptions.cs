using System.CommandLine;

namespace Relay.Cli;

/// <summary>The options and arguments of one <c>relay</c> command line, shared by the commands that take them.</summary>
internal sealed class CliOptions
{
    public Option<string?> Edge { get; } = new("--edge")
    {
        Description = "The edge's URL (default: RELAY_EDGE_URL, else an edge hosted in this process)",
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = "Bearer token for the edge (default: RELAY_TOKEN)",
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Log the in-process edge at Information on stderr",
    };

    public Option<string?> Model { get; } = new("--model", "-m") { Description = "The model, e.g. anthropic/claude-sonnet-4" };

    public Option<string?> SystemPrompt { get; } = new("--system", "-s") { Description = "A system prompt" };

    public Option<string?> Template { get; } = new("--template", "-t") { Description = "Use a saved template's system prompt and model (relay template list)" };

    public Argument<string> Name { get; } = new("name") { Description = "The alias's or template's name" };

    public Argument<string> TargetModel { get; } = new("model") { Description = "The model it stands for, e.g. openai/gpt-4o-mini" };

    public Option<int?> MaxTokens { get; } = new("--max-tokens") { Description = "The most tokens the answer may have" };

    public Option<double?> Temperature { get; } = new("--temperature") { Description = "Sampling temperature, 0 to 2" };

    public Option<string[]> Attach { get; } = new("--attach", "-a")
    {
        Description = "Attach a file (repeatable): text goes in after the prompt under its name; a PNG, JPEG, GIF or WebP image goes as an image",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<bool> NoStream { get; } = new("--no-stream") { Description = "Wait for the whole answer instead of streaming it" };

    public Option<bool> Json { get; } = new("--json") { Description = "One JSON object per event on stdout" };

    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "No usage or status lines on stderr" };

    public Option<bool> NoReconnect { get; } = new("--no-reconnect") { Description = "Fail instead of reconnecting when the connection drops" };

    public Option<bool> Raw { get; } = new("--raw") { Description = "Print the answer exactly as the model wrote it, also on a terminal (no Markdown rendering)" };

    public Option<bool> ShowReasoning { get; } = new("--show-reasoning") { Description = "Show the model's reasoning on stderr" };

    public Option<bool> NoLog { get; } = new("--no-log") { Description = "Record nothing in the conversation log (also RELAY_LOG=off)" };

    public Option<bool> Continue { get; } = new("--continue", "-c") { Description = "Continue the most recent conversation of the log" };

    public Option<string?> ConversationId { get; } = new("--cid") { Description = "Continue the conversation with this id (relay log lists them)" };

    public Option<bool> Rest { get; } = new("--rest") { Description = "Print only what the dead process had not shown yet" };

    public Argument<string?> StreamId { get; } = new("stream-id")
    {
        Description = "The stream to attach to (default: the newest answer in the log that did not end)",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public Option<int> Count { get; } = new("-n") { Description = "How many exchanges to list", DefaultValueFactory = _ => 20 };

    public Option<bool> LogJson { get; } = new("--json") { Description = "One JSON object per exchange and line" };

    public Option<long?> Show { get; } = new("--show") { Description = "Print the answer of this exchange id" };

    public Option<string?> Query { get; } = new("--query", "-q") { Description = "Only exchanges whose prompt or answer has all these words (full-text search)" };

    public Option<long?> Delete { get; } = new("--delete") { Description = "Delete this exchange id from the log" };

    public Option<long?> Export { get; } = new("--export") { Description = "Print the conversation of this exchange id as Markdown" };

    public Option<string?> Urls { get; } = new("--urls") { Description = "Where to listen (default http://127.0.0.1:8787)" };

    public Argument<string?> Prompt { get; } = new("prompt")
    {
        Description = "The question; stdin, when redirected, comes before it",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public CliOptions()
    {
        Prompt.Validators.Add(r =>
        {
            if (r.GetValue(Prompt) is { Length: > 1 } p && p[0] == '-')
            {
                r.AddError($"Unrecognized option '{p}'.");
            }
        });
        MaxTokens.Validators.Add(r =>
        {
            if (r.GetValue(MaxTokens) is < 1)
            {
                r.AddError("--max-tokens must be at least 1.");
            }
        });
        Temperature.Validators.Add(r =>
        {
            if (r.GetValue(Temperature) is < 0 or > 2)
            {
                r.AddError("--temperature must be between 0 and 2.");
            }
        });
    }
}
