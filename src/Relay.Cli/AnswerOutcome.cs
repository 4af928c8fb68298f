using Relay.Contracts;

namespace Relay.Cli;

/// <summary>What came of one answer: the text shown, its usage, and how it ended.</summary>
internal sealed record AnswerOutcome(string Text, string? Model, Usage? Usage, StreamError? Error, bool Interrupted)
{
    public int ExitCode => Interrupted ? ExitCodes.Interrupted : Error is null ? ExitCodes.Success : ExitCodes.Error;
}
