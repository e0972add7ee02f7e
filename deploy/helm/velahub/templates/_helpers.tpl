{{/* The release's resource name, at most 63 characters. */}}
{{- define "velahub.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels that select the pods: stable across upgrades. */}}
{{- define "velahub.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "velahub.labels" -}}
{{ include "velahub.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* "true" when PostgreSQL and S3 are given (a Secret of the user's or the chart's); "" for the embedded store. */}}
{{- define "velahub.external" -}}
{{- if or .Values.existingSecret .Values.secret.create -}}true{{- end -}}
{{- end -}}

{{/* Refuses settings that cannot work, naming the value to change. */}}
{{- define "velahub.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not (include "velahub.external" .)) -}}
{{- fail (printf "velahub: replicaCount %d needs a shared PostgreSQL and S3 bucket: set existingSecret (a Secret with DATABASE_URL, VELAHUB_BLOB_STORE and the AWS keys) or secret.create=true with secret.values; the embedded store serves one replica" (int .Values.replicaCount)) -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the database and blob-store settings: the user's, or the one this chart creates. */}}
{{- define "velahub.secretName" -}}
{{- if .Values.existingSecret -}}
{{- .Values.existingSecret -}}
{{- else -}}
{{- include "velahub.fullname" . -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the token pepper: the user's, or the one this chart creates and keeps. */}}
{{- define "velahub.pepperSecretName" -}}
{{- default (printf "%s-token-pepper" (include "velahub.fullname" .)) .Values.tokenPepper.existingSecret -}}
{{- end -}}

{{/* The embedded store's claim: the user's, or the one this chart creates. */}}
{{- define "velahub.claimName" -}}
{{- default (printf "%s-data" (include "velahub.fullname" .)) .Values.persistence.existingClaim -}}
{{- end -}}

{{- define "velahub.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "velahub.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}
