import { defineSearchAttributeKey } from '@temporalio/common';

// Typed search attributes shown and filterable in the Temporal UI. Never put a secret in one: they are not encrypted.
export const RotationPhaseKey = defineSearchAttributeKey('RotationPhase', 'KEYWORD');
export const CredentialProviderKey = defineSearchAttributeKey('CredentialProvider', 'KEYWORD');
export const CredentialSubjectKey = defineSearchAttributeKey('CredentialSubject', 'KEYWORD');
export const DeleteAtKey = defineSearchAttributeKey('DeleteAt', 'DATETIME');

export const rotationSearchAttributes = [RotationPhaseKey, CredentialProviderKey, CredentialSubjectKey, DeleteAtKey];
