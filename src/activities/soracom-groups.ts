/**
 * A versioned SORACOM consumer moves to a new set, but software reaches a set through the group configurations that
 * name it (Funnel, Funk, Beam, …): those must move with it, before the old set is deleted, and back when it is undone.
 */
import { log } from '@temporalio/activity';
import { ProviderError } from '../providers/errors';
import type { SoracomClient } from '../providers/soracom/client';
import { describeReference, referencesTo, repointedEntry, type Group, type GroupReference } from '../providers/soracom/groups';
import { rejectRequest } from './failures';

const NO_CHANGE = 'No change was made.';

function listing(refs: readonly GroupReference[]): string {
  return refs.map(describeReference).join('; ');
}

export interface SetGroups {
  /**
   * Preflight: the group configurations naming the set, each of which the rotator can repoint. Refuses (before any change)
   * when groups cannot be read, or when one of them cannot be repointed.
   */
  planMove(credentialsId: string): Promise<GroupReference[]>;
  /** Points every group configuration naming `from` at `to`, then reads them back: none may name `from` any more. */
  move(from: string, to: string): Promise<GroupReference[]>;
  /** Refuses, naming them, while any group configuration names the set: deleting it would cut those groups off. */
  assertUnused(credentialsId: string): Promise<void>;
  /** Every group configuration naming the set, described. */
  naming(credentialsId: string): Promise<string[]>;
}

export function setGroups(soracom: SoracomClient): SetGroups {
  const naming = async (credentialsId: string): Promise<{ groups: Group[]; refs: GroupReference[] }> => {
    const groups = await soracom.listGroups();
    return { groups, refs: groups.flatMap((group) => referencesTo(group, credentialsId)) };
  };

  return {
    async planMove(credentialsId) {
      let refs: GroupReference[];
      try {
        refs = (await naming(credentialsId)).refs;
      } catch (err) {
        if (err instanceof ProviderError && err.type === 'SoracomPermissionDenied') {
          throw rejectRequest(
            'SoracomGroupsUnreadable',
            `versioned mode moves the software using SORACOM set '${credentialsId}' to a new set, so it must find and repoint the groups whose ` +
              `configuration names the set, and this SAM user may not list groups (${err.message}). Allow Group:listGroups and ` +
              `Group:putConfigurationParameters in its permission (deploy/soracom/rotator-sam-permission.json), or rotate the set in update mode. ${NO_CHANGE}`,
          );
        }
        throw err;
      }
      const fixed = refs.filter((ref) => ref.fixedBecause !== undefined);
      if (fixed.length > 0) {
        throw rejectRequest(
          'SoracomGroupNotRepointable',
          `versioned mode would cut off SORACOM set '${credentialsId}' from software that reaches it through ` +
            `${fixed.map((ref) => `${describeReference(ref)} (${ref.fixedBecause})`).join('; ')}: the rotator cannot point that at a new set. ` +
            `Rotate the set in update mode, which keeps its id, or change that configuration by hand first. ${NO_CHANGE}`,
        );
      }
      if (refs.length > 0) log.info('group configurations to repoint after registering', { credentialsId, groups: listing(refs) });
      return refs;
    },

    async move(from, to) {
      const { groups, refs } = await naming(from);
      const fixed = refs.filter((ref) => ref.fixedBecause !== undefined);
      if (fixed.length > 0) {
        throw rejectRequest(
          'SoracomGroupNotRepointable',
          `SORACOM set '${from}' is named where the rotator cannot point it at '${to}': ` +
            `${fixed.map((ref) => `${describeReference(ref)} (${ref.fixedBecause})`).join('; ')}; it was configured so after preflight. No group was repointed.`,
        );
      }
      // one PUT per group and namespace, each setting the keys that name the set; the rest of the namespace is untouched
      const byNamespace = new Map<string, { group: Group; namespace: string; keys: Set<string> }>();
      for (const ref of refs) {
        const id = `${ref.groupId}\n${ref.namespace}`;
        const entry = byNamespace.get(id) ?? { group: groups.find((g) => g.groupId === ref.groupId)!, namespace: ref.namespace, keys: new Set<string>() };
        entry.keys.add(ref.key);
        byNamespace.set(id, entry);
      }
      for (const { group, namespace, keys } of byNamespace.values()) {
        const entries = [...keys].map((key) => repointedEntry(group, namespace, key, from, to));
        // a group deleted meanwhile is no longer read by anything: nothing to repoint
        if ((await soracom.putGroupConfiguration(group.groupId, namespace, entries)) === null) log.info('group gone before repointing', { groupId: group.groupId });
      }
      const left = (await naming(from)).refs;
      if (left.length > 0) {
        throw rejectRequest('SoracomGroupReadBackMismatch', `after repointing to '${to}', these still name SORACOM set '${from}': ${listing(left)}; something else is writing them`);
      }
      if (refs.length > 0) log.info('repointed group configurations', { from, to, groups: listing(refs) });
      return refs;
    },

    async naming(credentialsId) {
      return (await naming(credentialsId)).refs.map(describeReference);
    },

    async assertUnused(credentialsId) {
      const { refs } = await naming(credentialsId);
      if (refs.length === 0) return;
      throw rejectRequest(
        'SoracomCredentialsSetInUse',
        `SORACOM set '${credentialsId}' was not deleted: ${listing(refs)} still ${refs.length === 1 ? 'names' : 'name'} it, so deleting it would cut that software off. ` +
          `The rotation repointed the groups naming it when it registered the new credential; ${refs.length === 1 ? 'this one was' : 'these were'} pointed at it since. ` +
          `Point ${refs.length === 1 ? 'it' : 'them'} at the set that holds the new credential (rotator status names it), then delete '${credentialsId}' by hand`,
      );
    },
  };
}
