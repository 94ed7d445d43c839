using AgentPulse.AspNetCore;
using AgentPulse.Protocol;

namespace AgentPulse.Server.Tasks;

/// <summary>
/// A task's life, in one place: every step (started, queued, progress, completed, failed) folds the
/// event into the task's record, keeps the record and publishes the event (<see cref="StepAsync"/>);
/// a task the server stops on records nothing more, as after a crash.
/// </summary>
internal sealed partial class TaskRunner
{
    internal async ValueTask ReportAsync(TaskEntry entry, TaskProgress report)
    {
        var token = entry.Cancellation.Token;
        await checkpoints.ReachedAsync(new TaskCheckpoint(entry.Definition.TaskId, entry.Definition.Kind, report.Stage, report.Current, report.Total), token);
        token.ThrowIfCancellationRequested();
        foreach (var progress in entry.Throttle.Offer(report, time.GetUtcNow()))
        {
            await PublishProgressAsync(entry, progress);
        }
    }

    /// <summary>Publishes one of the catalog's payloads with the task's source and audience.</summary>
    internal ValueTask PublishAsync<T>(TaskEntry entry, T payload, string subject, DateTimeOffset? at = null) where T : class
    {
        var audience = entry.Definition.Owner is { } owner ? EventAudience.User(owner) : EventAudience.Public;
        var cloudEvent = CloudEvent.Create(payload, entry.Definition.Source, subject, time: at ?? time.GetUtcNow());
        return Discard(publisher.PublishAsync(cloudEvent, audience, CancellationToken.None));

        static async ValueTask Discard(ValueTask<PublishResult> publish) => await publish;
    }

    /// <summary>
    /// Every step of a task's life (started, queued, progress, completed, failed) goes through here:
    /// its record becomes <paramref name="next"/> (folded by <see cref="TaskRecord"/>, as every reader
    /// of the events folds them), the store keeps it, and the event goes out carrying the very time
    /// the record holds (the snapshot takes a task's startedAt and finishedAt from the event times).
    /// </summary>
    private async ValueTask StepAsync<T>(TaskEntry entry, T payload, TaskRecord next, DateTimeOffset at) where T : class
    {
        entry.Record = next;
        store.Save(next);
        await PublishAsync(entry, payload, Subject(entry), at);
    }

    private ValueTask PublishProgressAsync(TaskEntry entry, TaskProgress progress) =>
        StepAsync(entry, progress, entry.Record.With(progress), time.GetUtcNow());

    /// <summary>Runs the work, then ends the task: completed, or failed with a reason; or, when the server is stopping, not at all.</summary>
    private async Task RunAsync(TaskEntry entry)
    {
        var token = entry.Cancellation.Token;
        var definition = entry.Definition;
        entry.RunningSince = time.GetTimestamp();
        TaskOutcome? outcome = null;
        TaskError? error = null;
        var retryable = false;
        try
        {
            token.ThrowIfCancellationRequested();
            await checkpoints.ReachedAsync(new TaskCheckpoint(definition.TaskId, definition.Kind, "running", null, null), token);
            outcome = await entry.Work(new TaskContext(this, entry), token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            error = Cancelled;
            retryable = true;
        }
        catch (TaskFailureException ex)
        {
            error = ex.Error;
            retryable = ex.Retryable;
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            LogTaskCrashed(logger, definition.TaskId, definition.Kind, ex);
            error = new TaskError("internal", "Something went wrong on the server while running this task. Try again; if it fails again, look at the server log.");
            retryable = true;
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            // Whatever the work threw as the server stopped, it is left unfinished below.
        }

        try
        {
            if (stopping.IsCancellationRequested)
            {
                // The server is stopping: record nothing, as a crash would; the next start fails it as interrupted.
                LogAbandoned(logger, definition.TaskId);
                return;
            }
            lock (gate)
            {
                entry.State = EntryState.Finishing;
            }
            if (entry.Throttle.Flush() is { } held)
            {
                await PublishProgressAsync(entry, held);
            }
            if (error is null)
            {
                await CompleteAsync(entry, outcome!);
            }
            else
            {
                await FailAsync(entry, error, retryable);
            }
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            LogFinishFailed(logger, definition.TaskId, ex);
        }
        catch (Exception)
        {
            LogAbandoned(logger, definition.TaskId);
        }
        finally
        {
            ReleaseSlot(entry);
        }
    }

    private async Task CompleteAsync(TaskEntry entry, TaskOutcome outcome)
    {
        var now = time.GetUtcNow();
        var durationMs = (long)time.GetElapsedTime(entry.RunningSince).TotalMilliseconds;
        await StepAsync(entry, new TaskCompleted(entry.Definition.TaskId, durationMs, outcome.Result), entry.Record.Completed(now), now);
        if (outcome.AfterCompleted is { } after)
        {
            await after();
        }
    }

    private async Task FailAsync(TaskEntry entry, TaskError error, bool retryable)
    {
        if (entry.OnFailed is { } onFailed)
        {
            try
            {
                await onFailed(error);
            }
            catch (Exception ex)
            {
                LogFinishFailed(logger, entry.Definition.TaskId, ex);
            }
        }
        LogTaskFailed(logger, entry.Definition.TaskId, error.Code, error.Message);
        var now = time.GetUtcNow();
        await StepAsync(entry, new TaskFailed(entry.Definition.TaskId, error, retryable), entry.Record.Failed(error, now), now);
    }

    /// <summary>Ends a task that never ran (cancelled while queued); when the server is stopping, leaves it unfinished.</summary>
    private async Task FinishQueuedAsync(TaskEntry entry, TaskError error)
    {
        try
        {
            if (!stopping.IsCancellationRequested)
            {
                await FailAsync(entry, error, retryable: true);
            }
        }
        finally
        {
            lock (gate)
            {
                active.Remove(entry.Definition.TaskId);
            }
            entry.Cancellation.Dispose();
            entry.Ended.TrySetResult();
        }
    }
}
