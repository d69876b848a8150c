/* ens1371.h - the Ensoniq AudioPCI 97 (ES1371) driver's interface, annotated for mdidl (see
 * docs/annotations.md). Written for this project after Linux 6.1's sound/pci/ens1370.c built with
 * CHIP1371 (snd-ens1371): struct ensoniq keeps the real driver's field names and types, the ALSA
 * structs (snd_card, snd_pcm_substream, snd_pcm_runtime) only what the driver touches. The split
 * is the Microdrivers paper's: the interrupt handler and the PCM trigger and pointer callbacks
 * (which ALSA calls in atomic context, on every period) stay in the kernel; probe, remove, the PCM
 * open/close/hw_params/hw_free/prepare callbacks and the AC'97 mixer move to the u-driver. */
#pragma once
#include <mdidl.h>

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned long long dma_addr_t;

#define SNDRV_PCM_STREAM_PLAYBACK 0
#define SNDRV_PCM_STREAM_CAPTURE 1

struct snd_pcm;
struct snd_rawmidi;
struct snd_rawmidi_substream;
struct mutex;

typedef struct {
	u32 raw_lock;
} spinlock_t;

/* The AC'97 codec as the mixer sees it: its registers are read through the ES1371's CODEC port. */
struct snd_ac97 {
	u32 id;
	u16 caps;
	u16 ext_id;
	u16 regs[64];
	struct ensoniq *private_data;	/* the bus's private data: whose CODEC port */
};

/* ens1370.c has `union { struct { struct snd_ac97 *ac97; } es1371; ... } u;` with one arm per
 * chip; built for the ES1371 it holds only this one. */
struct ensoniq_es1371 {
	struct snd_ac97 *ac97;
};

struct snd_pcm_runtime {
	unsigned int rate;
	unsigned int channels;
	int format;
	unsigned long period_size;
	unsigned long buffer_size;
	unsigned int periods;
	unsigned char *dma_area MDL_OPAQUE;
	dma_addr_t dma_addr;
	unsigned long dma_bytes;
};

struct snd_pcm_substream {
	int stream;
	int number;
	struct snd_pcm_runtime *runtime;
	struct ensoniq *private_data;	/* snd_pcm_substream_chip() */
};

struct ensoniq {
	spinlock_t reg_lock MDL_SKIP;
	struct mutex *src_mutex MDL_OPAQUE;

	int irq;

	unsigned long playback1size;
	unsigned long playback2size;
	unsigned long capture3size;

	unsigned long port;
	unsigned int mode;
	unsigned int uartm;

	unsigned int ctrl;
	unsigned int sctrl;
	unsigned int cssr;
	unsigned int uartc;
	unsigned int rev;

	struct ensoniq_es1371 u;

	struct pci_dev *pci MDL_OPAQUE;
	struct snd_card *card MDL_OPAQUE;
	struct snd_pcm *pcm1 MDL_OPAQUE;
	struct snd_pcm *pcm2 MDL_OPAQUE;
	struct snd_pcm_substream *playback1_substream;
	struct snd_pcm_substream *playback2_substream;
	struct snd_pcm_substream *capture_substream;
	unsigned int p1_dma_size;
	unsigned int p2_dma_size;
	unsigned int c_dma_size;
	unsigned int p1_period_size;
	unsigned int p2_period_size;
	unsigned int c_period_size;
	struct snd_rawmidi *rmidi MDL_OPAQUE;
	struct snd_rawmidi_substream *midi_input MDL_OPAQUE;
	struct snd_rawmidi_substream *midi_output MDL_OPAQUE;

	unsigned int spdif;
	unsigned int spdif_default;
	unsigned int spdif_stream;
};

struct snd_card {
	int number;
	char id[16] MDL_STRING;
	char driver[16] MDL_STRING;
	char shortname[32] MDL_STRING;
	char longname[80] MDL_STRING;
	struct ensoniq *private_data;
};

/* The ensoniq and its codec's snd_ac97 are allocated by the k-driver's probe half, in kernel memory. */
struct pci_dev {
	u16 vendor;
	u16 device;
	u8 revision;
	unsigned int irq;
	unsigned long port;	/* pci_resource_start(pci, 0) */
	struct snd_card *driver_data;	/* allocated by the k-driver's probe half (snd_devm_card_new) */
};

struct pci_device_id {
	u32 vendor;
	u32 device;
	unsigned long driver_data;
};

struct pci_driver {
	MDL_UPCALL int (*probe)(struct pci_dev *pdev, const struct pci_device_id *ent)
		MDL_READS(pdev->vendor, pdev->device, pdev->revision, pdev->irq, pdev->port, pdev->driver_data->number,
			  pdev->driver_data->private_data->u, ent->*)
		MDL_WRITES(pdev->driver_data->id, pdev->driver_data->driver, pdev->driver_data->shortname, pdev->driver_data->longname,
			   pdev->driver_data->private_data->irq, pdev->driver_data->private_data->port, pdev->driver_data->private_data->rev,
			   pdev->driver_data->private_data->ctrl, pdev->driver_data->private_data->sctrl, pdev->driver_data->private_data->cssr);
	MDL_UPCALL void (*remove)(struct pci_dev *pdev) MDL_READS(pdev->irq, pdev->driver_data->private_data->irq) MDL_WRITES();
};

/* snd_ensoniq_playback2_ops and snd_ensoniq_capture_ops. */
struct snd_pcm_ops {
	MDL_UPCALL int (*open)(struct snd_pcm_substream *substream)
		MDL_READS(substream->stream, substream->runtime, substream->private_data->mode)
		MDL_WRITES(substream->runtime->*, substream->private_data->mode, substream->private_data->playback2_substream,
			   substream->private_data->capture_substream);
	MDL_UPCALL int (*close)(struct snd_pcm_substream *substream)
		MDL_READS(substream->stream, substream->private_data->mode)
		MDL_WRITES(substream->private_data->mode, substream->private_data->playback2_substream, substream->private_data->capture_substream);
	MDL_UPCALL int (*hw_params)(struct snd_pcm_substream *substream, unsigned int rate, unsigned int channels,
				    unsigned long period_size, unsigned int periods)
		MDL_READS(substream->runtime->*) MDL_WRITES(substream->runtime->*);
	MDL_UPCALL int (*hw_free)(struct snd_pcm_substream *substream) MDL_READS() MDL_WRITES();
	MDL_UPCALL int (*prepare)(struct snd_pcm_substream *substream)
		MDL_READS(substream->stream, substream->runtime->*, substream->private_data->ctrl, substream->private_data->sctrl)
		MDL_WRITES(substream->private_data->ctrl, substream->private_data->sctrl, substream->private_data->p2_dma_size,
			   substream->private_data->p2_period_size, substream->private_data->c_dma_size, substream->private_data->c_period_size);
	MDL_CRITICAL int (*trigger)(struct snd_pcm_substream *substream, int cmd);
	MDL_CRITICAL unsigned long (*pointer)(struct snd_pcm_substream *substream);
};

/* The AC'97 mixer controls (snd_ac97_get_volsw/put_volsw, whose kcontrol's private data is the
 * codec, through the codec port). */
struct snd_ac97_mixer_ops {
	MDL_UPCALL int (*get)(struct snd_ac97 *ac97, u32 reg, u16 *value MDL_OUT) MDL_READS(ac97->id, ac97->private_data) MDL_WRITES();
	MDL_UPCALL int (*put)(struct snd_ac97 *ac97, u32 reg, u16 value) MDL_READS(ac97->id, ac97->regs, ac97->private_data)
		MDL_WRITES(ac97->regs);
};

/* The critical path: it never leaves the kernel. */
MDL_CRITICAL int snd_audiopci_interrupt(int irq, struct ensoniq *dev_id);

/* Kernel services, and the k-driver's helpers the u-driver calls. The I/O ports are the kernel's. */
MDL_DOWNCALL u32 es_inl(struct ensoniq *ensoniq, u32 reg) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void es_outl(struct ensoniq *ensoniq, u32 reg, u32 value) MDL_READS() MDL_WRITES();
MDL_DOWNCALL int pci_enable_device(struct pci_dev *pdev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void pci_disable_device(struct pci_dev *pdev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void pci_set_master(struct pci_dev *pdev) MDL_READS() MDL_WRITES();
MDL_DOWNCALL int request_irq(unsigned int irq, const char *name MDL_STRING_MAX(16), struct ensoniq *dev_id) MDL_READS() MDL_WRITES();
MDL_DOWNCALL void free_irq(unsigned int irq, struct ensoniq *dev_id) MDL_READS() MDL_WRITES();
MDL_DOWNCALL int snd_card_register(struct snd_card *card) MDL_READS(card->id, card->shortname) MDL_WRITES();
MDL_DOWNCALL void snd_card_disconnect(struct snd_card *card) MDL_READS() MDL_WRITES();
/* snd_ac97_mixer: the codec the u-driver identified, handed to the kernel's control layer. (A
 * write-back through ensoniq->u.ac97 would not reach it: access paths stop at embedded structs.) */
MDL_DOWNCALL int snd_ac97_mixer(struct snd_ac97 *ac97) MDL_READS(ac97->*) MDL_WRITES();
/* The DMA buffer is kernel memory: the critical path and the device use it. */
MDL_DOWNCALL int snd_pcm_lib_malloc_pages(struct snd_pcm_substream *substream, unsigned long size)
	MDL_READS() MDL_WRITES(substream->runtime->dma_addr, substream->runtime->dma_bytes);
MDL_DOWNCALL int snd_pcm_lib_free_pages(struct snd_pcm_substream *substream) MDL_READS() MDL_WRITES();
