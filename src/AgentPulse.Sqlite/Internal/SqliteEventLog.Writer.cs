using AgentPulse.AspNetCore;
using Microsoft.Data.Sqlite;

namespace AgentPulse.Sqlite.Internal;

internal sealed partial class SqliteEventLog
{
    /// <summary>The writer: group commits and trims, one at a time, until the queue is completed and drained.</summary>
    private async Task WriteLoopAsync()
    {
        try
        {
            await WriteAsync();
        }
        catch (Exception ex)
        {
            // A fault of the writer itself: take no more events rather than risk giving a seq twice.
            LogWriterFailed(logger, path, ex);
            queue.Writer.TryComplete(ex);
            while (queue.Reader.TryRead(out var work))
            {
                (work as AppendWork)?.Completion.TrySetException(new EventLogUnavailableException($"The event log {path} stopped after an internal error; restart the server.", ex));
            }
        }
    }

    private async Task WriteAsync()
    {
        var reader = queue.Reader;
        var group = new List<AppendWork>();
        var trims = new List<TaskCompletionSource>();
        while (await reader.WaitToReadAsync())
        {
            var events = 0;
            var trimRequested = false;
            while (events < MaxGroupEvents && reader.TryRead(out var work))
            {
                if (work is AppendWork append)
                {
                    group.Add(append);
                    events += append.Events.Count;
                }
                else if (work is TrimWork trim)
                {
                    trimRequested = true;
                    trims.AddRange(trim.Waiting);
                }
                else
                {
                    // In order: what was queued before it is committed first.
                    if (group.Count > 0)
                    {
                        CommitOrFail(group);
                        group.Clear();
                    }
                    ((WriterAction)work).Run(store!.Connection);
                }
            }
            if (group.Count > 0)
            {
                CommitOrFail(group);
                group.Clear();
            }
            // Over the count by a margin, so that a steady stream trims in batches, not after every commit.
            if (trimRequested || retained.Count > retentionCount + Math.Clamp(retentionCount / 10, 1, TrimBatch))
            {
                Trim(trims);
                trims.Clear();
            }
        }
        // Stopped: whoever waits for a trim is told it is over.
        trims.ForEach(t => t.TrySetResult());
    }

    private void CommitOrFail(List<AppendWork> group)
    {
        try
        {
            Commit(group);
        }
        catch (Exception ex)
        {
            foreach (var append in group)
            {
                append.Completion.TrySetException(new EventLogUnavailableException($"The event log {path} stopped after an internal error; restart the server.", ex));
            }
            throw;
        }
    }

    /// <summary>Assigns seqs to the group's new events, commits them in one transaction, then hands them on and acknowledges them.</summary>
    private void Commit(List<AppendWork> group)
    {
        var nowMs = Math.Max(time.GetUtcNow().ToUnixTimeMilliseconds(), lastAppendedAtMs);
        var entries = new List<LoggedEvent>();
        var failed = new List<(AppendWork Work, Exception Error)>();
        var next = lastSeq + 1;
        groupIds.Clear();
        foreach (var append in group)
        {
            var firstOfAppend = entries.Count;
            try
            {
                for (var i = 0; i < append.Events.Count; i++)
                {
                    var (cloudEvent, audience) = append.Events[i];
                    var key = (cloudEvent.Source, cloudEvent.Id);
                    if (byId.TryGetValue(key, out var seq) || groupIds.TryGetValue(key, out seq))
                    {
                        append.Results[i] = new PublishResult(seq, cloudEvent.Id, Duplicate: true);
                        continue;
                    }
                    var entry = LoggedEvent.Create(cloudEvent with { Seq = next }, audience);
                    entries.Add(entry);
                    groupIds[key] = next;
                    append.Results[i] = new PublishResult(next, cloudEvent.Id, Duplicate: false);
                    next++;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // One event that cannot be serialized fails its own append only, all of it.
                foreach (var undone in entries.Skip(firstOfAppend))
                {
                    groupIds.Remove((undone.Event.Source, undone.Event.Id));
                }
                entries.RemoveRange(firstOfAppend, entries.Count - firstOfAppend);
                next = lastSeq + 1 + entries.Count;
                failed.Add((append, ex));
            }
        }

        if (entries.Count > 0 && !TryInsert(entries, nowMs, out var error))
        {
            var unavailable = new EventLogUnavailableException(
                $"The event log {path} could not be written ({error!.Message}); nothing of this publish was kept. Free disk space and retry.", error);
            foreach (var append in group)
            {
                append.Completion.TrySetException(unavailable);
            }
            return;
        }

        if (entries.Count > 0)
        {
            lastAppendedAtMs = nowMs;
            lock (gate)
            {
                foreach (var entry in entries)
                {
                    recent.Add(entry);
                }
                Volatile.Write(ref lastSeq, entries[^1].Seq);
            }
            foreach (var entry in entries)
            {
                byId[(entry.Event.Source, entry.Event.Id)] = entry.Seq;
                retained.Enqueue(new EventStore.RetainedRow(entry.Seq, nowMs, entry.Event.Source, entry.Event.Id));
            }
            try
            {
                sink!.OnCommitted(entries);
            }
            catch (Exception ex)
            {
                LogSinkFailed(logger, entries[0].Seq, ex);
            }
        }
        foreach (var (work, ex) in failed)
        {
            work.Completion.TrySetException(ex);
        }
        foreach (var append in group)
        {
            append.Completion.TrySetResult(append.Results);
        }
    }

    private bool TryInsert(List<LoggedEvent> entries, long nowMs, out Exception? error)
    {
        try
        {
            store!.Insert(entries, nowMs);
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is SqliteException or InvalidOperationException or IOException)
        {
            error = ex;
        }
        // An error may be reported for a commit that still reached the database (a failed sync after
        // the commit record was written): then it stands, and its seqs are taken.
        try
        {
            if (store!.MaxSeq() == entries[^1].Seq)
            {
                return true;
            }
        }
        catch (SqliteException)
        {
        }
        LogCommitFailed(logger, path, entries.Count, error);
        return false;
    }

    /// <summary>Deletes one batch of what retention lets go (over the count, or older than the age); queues another if more is due.</summary>
    private void Trim(List<TaskCompletionSource> waiting)
    {
        var ageCutMs = time.GetUtcNow().ToUnixTimeMilliseconds() - (long)Math.Min(retentionAge.TotalMilliseconds, long.MaxValue / 2);
        var countCut = lastSeq - retentionCount;
        bool Due(EventStore.RetainedRow row) => row.Seq <= countCut || row.AppendedAtMs < ageCutMs;

        var upTo = 0L;
        var rows = 0;
        foreach (var row in retained)
        {
            if (rows == TrimBatch || !Due(row))
            {
                break;
            }
            upTo = row.Seq;
            rows++;
        }
        if (rows > 0)
        {
            // Forgotten first, so that no read is served what the delete is about to remove.
            lock (gate)
            {
                Volatile.Write(ref firstRetainedSeq, upTo + 1);
                while (recent.Oldest is { } oldest && oldest.Seq <= upTo)
                {
                    recent.RemoveOldest();
                }
            }
            for (var i = 0; i < rows; i++)
            {
                var row = retained.Dequeue();
                if (byId.TryGetValue((row.Source, row.Id), out var seq) && seq == row.Seq)
                {
                    byId.Remove((row.Source, row.Id));
                }
            }
            try
            {
                store!.DeleteUpTo(upTo);
                LogTrimmed(logger, rows, upTo);
            }
            catch (SqliteException ex)
            {
                // The rows stay in the file until a later trim deletes everything up to its own seq.
                LogTrimFailed(logger, path, upTo, ex);
            }
        }
        if (retained.Count > 0 && Due(retained.Peek()) && queue.Writer.TryWrite(new TrimWork([.. waiting])))
        {
            return; // the next batch goes after the appends queued meanwhile
        }
        waiting.ForEach(t => t.TrySetResult());
    }
}
